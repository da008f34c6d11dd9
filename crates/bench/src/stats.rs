//! Percentiles and medians for the benchmark reports.

/// The `p`-th percentile (0..=1000 per mille) of sorted values.
pub fn per_mille(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = (sorted.len() * p / 1000).min(sorted.len() - 1);
    sorted[i]
}

/// The median of some measurements.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
