//! Tests of the protocol-free operations on the fake provider: "already exists — import it",
//! planning updates and replacements, time limits, Stop, and import.

use std::sync::Arc;
use std::time::Duration;

use super::testing::Fake;
use super::*;
use crate::tfplugin::cty::{self, Path};
use crate::tfplugin::schema::Block;

async fn configured() -> Arc<Server<Fake>> {
    let server = Server::new(Fake);
    let cfg = cty::Value::object([("region", cty::Value::Null)]);
    server.configure(cfg, "1.11.4").await.unwrap();
    Arc::new(server)
}

fn block(server: &Server<Fake>) -> Block {
    server.resource("test_thing").unwrap().schema.block.clone()
}

fn thing(block: &Block, name: &str) -> cty::Value {
    let mut v = block.empty_value();
    *v.get_mut("name").unwrap() = cty::Value::string(name);
    v
}

async fn plan(
    server: &Server<Fake>,
    prior: &cty::Value,
    config: &cty::Value,
) -> (cty::Value, Vec<Path>, Diagnostics) {
    let entry = server.resource("test_thing").unwrap();
    let ((planned, replace), d) = server
        .plan_resource_change(entry, prior.clone(), config.clone(), config.clone())
        .await
        .unwrap();
    (planned, replace, d)
}

async fn apply(
    server: &Server<Fake>,
    prior: &cty::Value,
    planned: &cty::Value,
) -> (cty::Value, Diagnostics) {
    let entry = server.resource("test_thing").unwrap();
    let ((state, _), d) = server
        .apply_resource_change(entry, prior.clone(), planned.clone())
        .await
        .unwrap();
    (state, d)
}

#[tokio::test]
async fn create_over_an_existing_object_says_import_it() {
    let server = configured().await;
    let config = thing(&block(&server), "a");
    let (planned, _, _) = plan(&server, &cty::Value::Null, &config).await;
    apply(&server, &cty::Value::Null, &planned).await;
    let (state, d) = apply(&server, &cty::Value::Null, &planned).await;
    let d = d.iter().next().unwrap();
    assert!(d.summary.contains("already exists"), "{}", d.summary);
    assert!(d.detail.contains("terraform import"), "{}", d.detail);
    assert_eq!(
        state,
        cty::Value::Null,
        "nothing is saved for a refused create"
    );
}

#[tokio::test]
async fn update_and_replace_are_planned_from_the_schema() {
    let server = configured().await;
    let config = thing(&block(&server), "a");
    let (planned, _, _) = plan(&server, &cty::Value::Null, &config).await;
    let (state, _) = apply(&server, &cty::Value::Null, &planned).await;

    // No change: the plan equals the prior state.
    let mut proposed = state.clone();
    let (planned, replace, _) = plan(&server, &state, &proposed).await;
    assert_eq!(planned, state);
    assert!(replace.is_empty());

    // In-place update: the unstable computed value becomes unknown, the ID stays.
    *proposed.get_mut("size").unwrap() = cty::Value::number_i64(3);
    let (planned, replace, _) = plan(&server, &state, &proposed).await;
    assert_eq!(planned.get("id"), state.get("id"));
    assert!(planned.get("ip").unwrap().is_unknown());
    assert!(replace.is_empty());
    let (new_state, _) = apply(&server, &state, &planned).await;
    assert_eq!(new_state.get("ip").unwrap().as_str(), Some("10.0.0.5"));

    // A new name replaces.
    let mut renamed = state.clone();
    *renamed.get_mut("name").unwrap() = cty::Value::string("b");
    let (_, replace, _) = plan(&server, &state, &renamed).await;
    assert_eq!(replace, vec![Path::root().attr("name")]);
}

#[tokio::test]
async fn operations_stop_at_their_time_limit_with_advice() {
    let server = configured().await;
    let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), "slow")).await;
    let (_, d) = apply(&server, &cty::Value::Null, &planned).await;
    let d = d.iter().next().unwrap();
    assert!(d.summary.contains("timed out after"), "{}", d.summary);
    assert!(d.detail.contains("timeouts"), "{}", d.detail);
}

#[tokio::test]
async fn stop_interrupts_in_flight_operations() {
    let server = configured().await;
    let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), "slow")).await;
    let mut long = planned.clone();
    *long.get_mut("timeouts").unwrap() = cty::Value::object([
        ("create", cty::Value::string("1h")),
        ("read", cty::Value::Null),
        ("update", cty::Value::Null),
        ("delete", cty::Value::Null),
    ]);
    let server2 = Arc::clone(&server);
    let handle = tokio::spawn(async move { apply(&server2, &cty::Value::Null, &long).await.1 });
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.stop();
    let d = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("stopped promptly")
        .unwrap();
    assert!(
        d.iter().next().unwrap().summary.contains("interrupted"),
        "{d:?}"
    );
}

/// The planned create of `name`, with a create time limit of one hour.
async fn planned_for_an_hour(server: &Server<Fake>, name: &str) -> cty::Value {
    let (mut planned, _, _) = plan(server, &cty::Value::Null, &thing(&block(server), name)).await;
    *planned.get_mut("timeouts").unwrap() = cty::Value::object([
        ("create", cty::Value::string("1h")),
        ("read", cty::Value::Null),
        ("update", cty::Value::Null),
        ("delete", cty::Value::Null),
    ]);
    planned
}

/// A partial state: the planned object with the written object's ID and no unknowns.
fn assert_partial(state: &cty::Value, name: &str) {
    assert_eq!(
        state.get("id").unwrap().as_str(),
        Some(format!("/things/{name}").as_str()),
        "{state:?}"
    );
    assert_eq!(state.get("name").unwrap().as_str(), Some(name));
    assert!(state.get("ip").unwrap().is_null(), "{state:?}");
    assert!(state.is_wholly_known(), "{state:?}");
}

#[tokio::test]
async fn a_create_stopped_after_its_write_returns_the_object_with_the_error() {
    let server = configured().await;
    let planned = planned_for_an_hour(&server, "hang").await;
    let server2 = Arc::clone(&server);
    let handle = tokio::spawn(async move { apply(&server2, &cty::Value::Null, &planned).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.stop();
    let (state, d) = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("stopped promptly")
        .unwrap();
    assert!(d.has_errors(), "{d:?}");
    assert!(
        d.iter().next().unwrap().summary.contains("interrupted"),
        "{d:?}"
    );
    assert_partial(&state, "hang");
}

#[tokio::test]
async fn a_create_that_times_out_or_fails_after_its_write_returns_the_object() {
    let server = configured().await;
    // The fake's create limit is 300 ms: `hang` times out after its write.
    let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), "hang")).await;
    let (state, d) = apply(&server, &cty::Value::Null, &planned).await;
    assert!(
        d.iter().next().unwrap().summary.contains("timed out"),
        "{d:?}"
    );
    assert_partial(&state, "hang");

    let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), "fails")).await;
    let (state, d) = apply(&server, &cty::Value::Null, &planned).await;
    assert!(
        d.iter()
            .next()
            .unwrap()
            .summary
            .contains("the operation failed"),
        "{d:?}"
    );
    assert_partial(&state, "fails");
}

#[tokio::test]
async fn a_create_that_failed_before_its_write_saves_nothing() {
    let server = configured().await;
    for name in ["refused", "slow"] {
        let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), name)).await;
        let (state, d) = apply(&server, &cty::Value::Null, &planned).await;
        assert!(d.has_errors(), "{name}: {d:?}");
        assert_eq!(state, cty::Value::Null, "{name}: nothing was written");
    }
    // Stopped before the handler started: nothing new starts, nothing is saved.
    let planned = planned_for_an_hour(&server, "hang").await;
    server.stop();
    let (state, d) = apply(&server, &cty::Value::Null, &planned).await;
    assert!(
        d.iter().next().unwrap().summary.contains("interrupted"),
        "{d:?}"
    );
    assert_eq!(state, cty::Value::Null);
    assert!(
        !server
            .client()
            .await
            .unwrap()
            .calls
            .lock()
            .unwrap()
            .contains(&"create hang".to_string()),
        "no create started after Stop"
    );
}

#[tokio::test]
async fn a_failed_update_keeps_the_prior_state() {
    let server = configured().await;
    let (planned, _, _) = plan(&server, &cty::Value::Null, &thing(&block(&server), "a")).await;
    let (state, _) = apply(&server, &cty::Value::Null, &planned).await;
    // A failed update (size 99 fails after its write): the object is already in state, and
    // the prior state stays as it was.
    let mut proposed = state.clone();
    *proposed.get_mut("size").unwrap() = cty::Value::number_i64(99);
    let (planned, _, _) = plan(&server, &state, &proposed).await;
    let (after, d) = apply(&server, &state, &planned).await;
    assert!(
        d.iter()
            .next()
            .unwrap()
            .summary
            .contains("the update failed"),
        "{d:?}"
    );
    assert_eq!(after, state);
}

#[tokio::test]
async fn import_returns_a_complete_stub() {
    let server = configured().await;
    let entry = server.resource("test_thing").unwrap();
    let state = server.import_resource_state(entry, "/things/a").unwrap();
    assert_eq!(state.get("name").unwrap().as_str(), Some("a"));
    assert!(state.get("ip").unwrap().is_null());
    let bad = server.import_resource_state(entry, "nope");
    assert!(bad.unwrap_err().summary.contains("not a thing ID"));
}

#[test]
fn the_logic_knows_nothing_of_the_protocol() {
    let files = [
        ("mod.rs", include_str!("mod.rs")),
        ("provider.rs", include_str!("provider.rs")),
        ("resources.rs", include_str!("resources.rs")),
        ("data_sources.rs", include_str!("data_sources.rs")),
        ("functions.rs", include_str!("functions.rs")),
        ("testing.rs", include_str!("testing.rs")),
    ];
    for (file, text) in files {
        for word in ["tonic", "prost", "proto::", "pb::", "wire::"] {
            assert!(!text.contains(word), "logic/{file} mentions {word}");
        }
    }
}
