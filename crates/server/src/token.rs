//! Random tokens (API keys, webhook secrets and ids) and the hex form of bytes.

/// Bytes as lower-case hex digits.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `prefix` and `N` random bytes from the OS as hex (`2N` digits).
pub fn random<const N: usize>(prefix: &str) -> String {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    format!("{prefix}{}", hex(&bytes))
}
