//! Conversions between the framework's types and the generated protobuf types: the only place
//! where both meet (the `from_proto`/`to_proto` boundary).

use std::collections::HashMap;

use super::cty::{self, msgpack, Path, PathStep, Type, Value};
use super::diagnostics::{Diagnostic, Diagnostics, Severity};
use super::logic::{RawState, Server};
use super::proto::tfplugin5 as pb;
use super::schema::{Attribute, Block, Mode, NestedBlock, Nesting, Schema};
use super::traits::{FunctionError, ProviderDef, Signature};

/// Decodes a DynamicValue of type `ty` (msgpack preferred, JSON accepted, absent = null).
pub fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(dv) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        cty::json::decode_strict(&dv.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        Diagnostic::error(
            format!("Invalid {what} received from Terraform"),
            format!(
                "The provider could not decode the {what}: {e}. This usually means Terraform and the \
                 provider disagree on the schema; run `terraform init -upgrade` and try again."
            ),
        )
        .at(e.path.clone())
    })
}

/// Encodes a value of type `ty` as msgpack.
pub fn encode(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    msgpack::encode(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                format!("Provider produced an invalid {what}"),
                format!("{e}. This is a bug in terraform-provider-aml; please report it."),
            )
        })
}

/// Converts an attribute path.
pub fn path_to_proto(path: &Path) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps = path
        .0
        .iter()
        .map(|s| pb::attribute_path::Step {
            selector: Some(match s {
                PathStep::Attr(n) => Selector::AttributeName(n.clone()),
                PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                PathStep::Index(i) => Selector::ElementKeyInt(*i),
            }),
        })
        .collect();
    pb::AttributePath { steps }
}

/// Converts diagnostics.
pub fn diagnostics_to_proto(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags
        .into_iter()
        .map(|d| pb::Diagnostic {
            severity: match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: d.summary,
            detail: d.detail,
            attribute: d.path.as_ref().map(path_to_proto),
        })
        .collect()
}

/// Converts a schema.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block)),
    }
}

fn block_to_proto(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block.blocks.iter().map(nested_to_proto).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(attr: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attr.name.clone(),
        r#type: attr.ty.to_json().into_bytes(),
        description: attribute_description(attr),
        required: attr.mode == Mode::Required,
        optional: matches!(attr.mode, Mode::Optional | Mode::OptionalComputed),
        computed: attr.is_computed(),
        sensitive: attr.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attr.deprecated.is_some(),
        write_only: false,
    }
}

/// The attribute's description with its validator notes, as shown by editors and docs.
pub fn attribute_description(attr: &Attribute) -> String {
    let mut text = attr.description.clone();
    for note in attr.validators.iter().filter_map(|v| v.doc_note()) {
        text.push(' ');
        text.push_str(&note);
    }
    if let Some(default) = attr.default.as_ref().and_then(default_text) {
        text.push_str(&format!(" Defaults to `{default}`."));
    }
    if attr.requires_replace {
        text.push_str(" Changing this forces a new resource to be created.");
    }
    text
}

fn default_text(v: &Value) -> Option<String> {
    match v {
        Value::Bool(b) => Some(b.to_string()),
        Value::String(s) => Some(format!("\"{s}\"")),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn nested_to_proto(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::Group => NestingMode::Group,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    let (min, max) = match nested.nesting {
        Nesting::Group | Nesting::Map => (0, 0),
        // Terraform requires MinItems == MaxItems (0 or 1) in NestingSingle mode.
        Nesting::Single if nested.min_items >= 1 => (1, 1),
        Nesting::Single => (0, 0),
        _ => (nested.min_items, nested.max_items),
    };
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block_to_proto(&nested.block)),
        nesting: nesting as i32,
        min_items: min,
        max_items: max,
    }
}

/// Converts a function signature.
pub fn function_to_proto(sig: &Signature) -> pb::Function {
    pb::Function {
        parameters: sig
            .parameters
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.to_string(),
                r#type: p.ty.to_json().into_bytes(),
                allow_null_value: false,
                allow_unknown_values: false,
                description: p.description.to_string(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: sig.returns.to_json().into_bytes(),
        }),
        summary: sig.summary.to_string(),
        description: sig.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// The answer to GetProviderSchema (and the source of GetMetadata's and GetFunctions'): every
/// schema and function signature of a server, converted once.
pub fn schema_response<P: ProviderDef>(server: &Server<P>) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(schema_to_proto(server.provider_schema())),
        resource_schemas: server
            .resources()
            .map(|(k, v)| (k.to_string(), schema_to_proto(&v.schema)))
            .collect(),
        data_source_schemas: server
            .data_sources()
            .map(|(k, v)| (k.to_string(), schema_to_proto(&v.schema)))
            .collect(),
        diagnostics: Vec::new(),
        provider_meta: None,
        server_capabilities: Some(pb::ServerCapabilities {
            plan_destroy: false,
            get_provider_schema_optional: false,
            move_resource_state: false,
        }),
        functions: server
            .functions()
            .map(|(k, f)| (k.to_string(), function_to_proto(&f.signature())))
            .collect(),
        ephemeral_resource_schemas: HashMap::new(),
    }
}

/// The answer to GetMetadata: the names of every feature.
pub fn metadata_response<P: ProviderDef>(
    server: &Server<P>,
    server_capabilities: Option<pb::ServerCapabilities>,
) -> pb::get_metadata::Response {
    pb::get_metadata::Response {
        server_capabilities,
        diagnostics: Vec::new(),
        data_sources: server
            .data_sources()
            .map(|(k, _)| pb::get_metadata::DataSourceMetadata {
                type_name: k.to_string(),
            })
            .collect(),
        resources: server
            .resources()
            .map(|(k, _)| pb::get_metadata::ResourceMetadata {
                type_name: k.to_string(),
            })
            .collect(),
        functions: server
            .functions()
            .map(|(k, _)| pb::get_metadata::FunctionMetadata {
                name: k.to_string(),
            })
            .collect(),
        ephemeral_resources: Vec::new(),
    }
}

/// Stored state handed over for an upgrade (JSON preferred; absent or empty = no state).
pub fn raw_state(raw: Option<pb::RawState>) -> RawState {
    let raw = raw.unwrap_or_default();
    if !raw.json.is_empty() {
        RawState::Json(raw.json)
    } else if !raw.flatmap.is_empty() {
        RawState::Flatmap
    } else {
        RawState::Empty
    }
}

/// Decodes a function's arguments, each as its parameter's type; the error names the argument.
pub fn decode_arguments(
    arguments: &[pb::DynamicValue],
    sig: &Signature,
) -> Result<Vec<Value>, FunctionError> {
    let mut args = Vec::with_capacity(arguments.len());
    for (i, (arg, param)) in arguments.iter().zip(&sig.parameters).enumerate() {
        let v = decode(Some(arg), &param.ty, "function argument").map_err(|d| FunctionError {
            text: format!("argument {}: {}", param.name, d.detail),
            argument: Some(i as i64),
        })?;
        args.push(v);
    }
    Ok(args)
}

/// Encodes a function's result as its signature's return type.
pub fn encode_function_result(
    result: &Value,
    sig: &Signature,
) -> Result<pb::DynamicValue, FunctionError> {
    encode(result, &sig.returns, "function result").map_err(|d| FunctionError {
        text: d.detail,
        argument: None,
    })
}

/// Converts a function error.
pub fn function_error_to_proto(e: FunctionError) -> pb::FunctionError {
    pb::FunctionError {
        text: e.text,
        function_argument: e.argument,
    }
}
