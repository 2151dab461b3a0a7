//! The scripted demo with the default configuration: offline provider, no key, no network
//! beyond the server it starts on 127.0.0.1.

use runtime::config::Config;
use runtime::demo;

#[tokio::test]
async fn demo_runs_end_to_end_offline() {
    let report = demo::run(Config::default()).await.expect("demo run");

    assert_eq!(report.narratives_cached, 6);
    // Three stakeholders get an action and a reaction each, and the captain a decision.
    assert_eq!(report.planned_actions, 7);
}
