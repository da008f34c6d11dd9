//! The memory this process holds, from Linux's `/proc/self/status` (`VmRSS`): what a
//! benchmark reports as the memory a state takes (`usage`), measured as the growth of
//! the resident set while the state is built. (Counting heap bytes would need an
//! allocator of our own, which is unsafe code: the workspace forbids it.)

/// Resident bytes now (0 where `/proc` does not say).
pub fn resident_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}
