//! Latency summaries: p50, p99 and max of a sample.

use std::time::Duration;

/// p50, p99 and max of one handler's latencies.
#[derive(Clone, Copy, Default)]
pub struct Summary {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// Summarises latencies with the nearest-rank method.
pub fn summarize(mut latencies: Vec<Duration>) -> Summary {
    if latencies.is_empty() {
        return Summary::default();
    }
    latencies.sort_unstable();
    let rank = |percent: usize| {
        let index = (latencies.len() * percent).div_ceil(100).saturating_sub(1);
        latencies[index.min(latencies.len() - 1)]
    };
    Summary {
        p50: rank(50),
        p99: rank(99),
        max: latencies[latencies.len() - 1],
    }
}

/// Formats a duration in microseconds with one decimal.
pub fn micros(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e6)
}

/// Formats a duration in milliseconds with one decimal.
pub fn millis(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e3)
}
