//! Tests of the gRPC shims with the fake provider: each RPC's answer through the wire (schemas,
//! values, paths, private data echoed), panics, bad input, upgrade of stored JSON, validators'
//! paths, functions and unsupported RPCs. What the operations decide is tested on the logic
//! itself in `logic/tests.rs`.

use tonic::Request;

use super::*;
use crate::tfplugin::cty::{self, Type};
use crate::tfplugin::logic::testing::Fake;

async fn configured() -> (ProviderService<Fake>, Type, Block) {
    let svc = ProviderService::new(Fake);
    let cfg = cty::Value::object([("region", cty::Value::Null)]);
    let pty = svc.server.provider_type().clone();
    let resp = svc
        .configure(Request::new(pb::configure::Request {
            terraform_version: "1.11.4".into(),
            config: Some(dv(&cfg, &pty)),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty());
    let entry = svc.server.resource("test_thing").unwrap();
    let (ty, block) = (entry.ty.clone(), entry.schema.block.clone());
    (svc, ty, block)
}

fn dv(v: &cty::Value, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: cty::msgpack::encode(v, ty).unwrap(),
        json: Vec::new(),
    }
}

fn un(d: &Option<pb::DynamicValue>, ty: &Type) -> cty::Value {
    cty::msgpack::decode(&d.as_ref().unwrap().msgpack, ty).unwrap()
}

fn thing(block: &Block, name: &str) -> cty::Value {
    let mut v = block.empty_value();
    *v.get_mut("name").unwrap() = cty::Value::string(name);
    v
}

fn errors(d: &[pb::Diagnostic]) -> Vec<String> {
    d.iter()
        .filter(|x| x.severity == pb::diagnostic::Severity::Error as i32)
        .map(|x| x.summary.clone())
        .collect()
}

async fn plan(
    svc: &ProviderService<Fake>,
    ty: &Type,
    prior: &cty::Value,
    config: &cty::Value,
) -> pb::plan_resource_change::Response {
    svc.plan_resource_change(Request::new(pb::plan_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: Some(dv(prior, ty)),
        proposed_new_state: Some(dv(config, ty)),
        config: Some(dv(config, ty)),
        prior_private: b"keep-me".to_vec(),
        provider_meta: None,
        client_capabilities: None,
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn apply(
    svc: &ProviderService<Fake>,
    ty: &Type,
    prior: &cty::Value,
    planned: &cty::Value,
) -> pb::apply_resource_change::Response {
    svc.apply_resource_change(Request::new(pb::apply_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: Some(dv(prior, ty)),
        planned_state: Some(dv(planned, ty)),
        config: Some(dv(planned, ty)),
        planned_private: b"keep-me".to_vec(),
        provider_meta: None,
    }))
    .await
    .unwrap()
    .into_inner()
}

#[tokio::test]
async fn schema_lists_features_with_timeouts_and_types() {
    let svc = ProviderService::new(Fake);
    let s = svc
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    let thing = &s.resource_schemas["test_thing"];
    let block = thing.block.as_ref().unwrap();
    let timeouts = block
        .block_types
        .iter()
        .find(|b| b.type_name == "timeouts")
        .expect("timeouts block");
    assert!(timeouts.block.is_some());
    // Terraform refuses a NestingSingle block whose MinItems and MaxItems differ.
    assert_eq!((timeouts.min_items, timeouts.max_items), (0, 0));
    assert!(block.attributes.iter().all(|a| !a.r#type.is_empty()));
    assert!(s.functions.contains_key("echo"));
    assert!(s.provider.is_some());
}

#[tokio::test]
async fn create_plans_unknowns_then_applies_with_read_after_write() {
    let (svc, ty, block) = configured().await;
    let config = thing(&block, "a");
    let p = plan(&svc, &ty, &cty::Value::Null, &config).await;
    assert!(errors(&p.diagnostics).is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.planned_private, b"keep-me");
    let planned = un(&p.planned_state, &ty);
    assert!(planned.get("id").unwrap().is_unknown());
    assert!(planned.get("ip").unwrap().is_unknown());
    let a = apply(&svc, &ty, &cty::Value::Null, &planned).await;
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let state = un(&a.new_state, &ty);
    assert_eq!(state.get("id").unwrap().as_str(), Some("/things/a"));
    assert_eq!(state.get("ip").unwrap().as_str(), Some("10.0.0.4"));
    assert_eq!(a.private, b"keep-me");
    let client = svc.server.client().await.unwrap();
    assert_eq!(*client.calls.lock().unwrap(), vec!["create a", "read a"]);
}

#[tokio::test]
async fn replacement_paths_reach_the_wire() {
    let (svc, ty, block) = configured().await;
    let config = thing(&block, "a");
    let planned = un(
        &plan(&svc, &ty, &cty::Value::Null, &config)
            .await
            .planned_state,
        &ty,
    );
    let state = un(
        &apply(&svc, &ty, &cty::Value::Null, &planned)
            .await
            .new_state,
        &ty,
    );
    let mut renamed = state.clone();
    *renamed.get_mut("name").unwrap() = cty::Value::string("b");
    let p = plan(&svc, &ty, &state, &renamed).await;
    assert_eq!(
        p.requires_replace,
        vec![wire::path_to_proto(&Path::root().attr("name"))]
    );
}

#[tokio::test]
async fn imports_answer_one_resource_or_none() {
    let (svc, ty, _) = configured().await;
    let import = |id: &str| {
        let svc = svc.clone();
        let id = id.to_string();
        async move {
            svc.import_resource_state(Request::new(pb::import_resource_state::Request {
                type_name: "test_thing".into(),
                id,
                client_capabilities: None,
            }))
            .await
            .unwrap()
            .into_inner()
        }
    };
    let r = import("/things/a").await;
    assert_eq!(r.imported_resources.len(), 1);
    assert_eq!(r.imported_resources[0].type_name, "test_thing");
    let state = un(&r.imported_resources[0].state, &ty);
    assert_eq!(state.get("name").unwrap().as_str(), Some("a"));
    let bad = import("nope").await;
    assert!(bad.imported_resources.is_empty());
    assert!(bad.diagnostics[0].summary.contains("not a thing ID"));
}

#[tokio::test]
async fn read_of_a_deleted_object_returns_null_and_keeps_private() {
    let (svc, ty, block) = configured().await;
    let state = thing(&block, "gone");
    let r = svc
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: Some(dv(&state, &ty)),
            private: b"p".to_vec(),
            provider_meta: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(un(&r.new_state, &ty), cty::Value::Null);
    assert_eq!(r.private, b"p");
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_diagnostic() {
    let (svc, ty, block) = configured().await;
    let planned = un(
        &plan(&svc, &ty, &cty::Value::Null, &thing(&block, "panic"))
            .await
            .planned_state,
        &ty,
    );
    let a = apply(&svc, &ty, &cty::Value::Null, &planned).await;
    assert_eq!(
        errors(&a.diagnostics),
        vec!["The provider hit an internal error"]
    );
    assert!(a.diagnostics[0].detail.contains("boom"));
    // The service still answers.
    let p = plan(&svc, &ty, &cty::Value::Null, &thing(&block, "x")).await;
    assert!(p.diagnostics.is_empty());
}

#[tokio::test]
async fn upgrade_reads_json_state_with_missing_and_extra_attributes() {
    let (svc, ty, _) = configured().await;
    let json = br#"{"id": "/things/a", "name": "a", "size": 123456789012345678901234567890, "retired": true}"#;
    let r = svc
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let state = un(&r.upgraded_state, &ty);
    assert_eq!(
        state.get("size").unwrap().as_number().unwrap().to_string(),
        "123456789012345678901234567890"
    );
    assert!(state.get("ip").unwrap().is_null());
    assert_eq!(state.get("timeouts"), Some(&cty::Value::Null));
}

#[tokio::test]
async fn bad_input_becomes_diagnostics() {
    let (svc, _, _) = configured().await;
    let garbage = pb::DynamicValue {
        msgpack: vec![0x81, 0xa1],
        json: Vec::new(),
    };
    let v = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "test_thing".into(),
            config: Some(garbage),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        errors(&v.diagnostics),
        vec!["Invalid resource configuration received from Terraform"]
    );
    let v = svc
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "test_nope".into(),
            config: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        errors(&v.diagnostics),
        vec!["Unknown resource type \"test_nope\""]
    );
}

#[tokio::test]
async fn validators_report_on_the_attribute_and_skip_unknowns() {
    let (svc, ty, block) = configured().await;
    let mut config = thing(&block, "a");
    *config.get_mut("mode").unwrap() = cty::Value::string("c");
    let validate = |c: cty::Value| {
        let svc = svc.clone();
        let ty = ty.clone();
        async move {
            svc.validate_resource_type_config(Request::new(
                pb::validate_resource_type_config::Request {
                    type_name: "test_thing".into(),
                    config: Some(dv(&c, &ty)),
                    client_capabilities: None,
                },
            ))
            .await
            .unwrap()
            .into_inner()
        }
    };
    let v = validate(config.clone()).await;
    assert_eq!(v.diagnostics.len(), 1);
    assert_eq!(
        v.diagnostics[0].attribute,
        Some(wire::path_to_proto(&Path::root().attr("mode")))
    );
    *config.get_mut("mode").unwrap() = cty::Value::unknown();
    assert!(validate(config.clone()).await.diagnostics.is_empty());
    *config.get_mut("timeouts").unwrap() = cty::Value::object([
        ("create", cty::Value::string("ten minutes")),
        ("read", cty::Value::Null),
        ("update", cty::Value::Null),
        ("delete", cty::Value::Null),
    ]);
    let v = validate(config).await;
    assert_eq!(
        v.diagnostics[0].attribute,
        Some(wire::path_to_proto(
            &Path::root().attr("timeouts").attr("create")
        ))
    );
}

#[tokio::test]
async fn functions_answer_results_and_argument_errors() {
    let svc = ProviderService::new(Fake);
    let call = |s: &str| {
        let svc = svc.clone();
        let arg = dv(&cty::Value::string(s), &Type::String);
        async move {
            svc.call_function(Request::new(pb::call_function::Request {
                name: "echo".into(),
                arguments: vec![arg],
            }))
            .await
            .unwrap()
            .into_inner()
        }
    };
    let ok = call("hi").await;
    assert_eq!(un(&ok.result, &Type::String).as_str(), Some("hi"));
    let bad = call("bad").await;
    assert_eq!(bad.error.unwrap().function_argument, Some(0));
}

#[tokio::test]
async fn unsupported_rpcs_answer_with_diagnostics_not_errors() {
    let svc = ProviderService::new(Fake);
    let m = svc
        .move_resource_state(Request::new(pb::move_resource_state::Request::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(m.diagnostics.len(), 1);
    let e = svc
        .open_ephemeral_resource(Request::new(pb::open_ephemeral_resource::Request::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(e.diagnostics.len(), 1);
    let md = svc
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(md.resources.len(), 1);
}
