//! A fake provider for the tests of the service and of its logic: one resource (`test_thing`)
//! whose remote objects live in memory, with a name that panics (`panic`), one that is slow
//! (`slow`), ones whose create goes wrong after its write was sent (`hang`, `fails`) or is
//! refused (`refused`), and one function (`echo`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::tfplugin::cty::{self, Type};
use crate::tfplugin::diagnostics::Diagnostics;
use crate::tfplugin::object::Object;
use crate::tfplugin::schema::{Attribute, Block, Schema};
use crate::tfplugin::timeouts::Timeouts;
use crate::tfplugin::traits::{
    Ctx, DataSource, Error, Function, FunctionError, Parameter, ProviderDef, Resource, Signature,
};

/// The fake remote: objects by name, and every call made, in order.
#[derive(Default)]
pub struct Remote {
    /// Objects by name.
    pub objects: Mutex<HashMap<String, Object>>,
    /// Calls made, as "create a", "read a", ...
    pub calls: Mutex<Vec<String>>,
}

/// The fake provider.
pub struct Fake;

struct Thing;

#[async_trait]
impl Resource<Remote> for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("A thing.")
                .attribute(Attribute::id("ID."))
                .attribute(Attribute::required("name", Type::String, "Name.").requires_replace())
                .attribute(Attribute::optional("size", Type::Number, "Size."))
                .attribute(
                    Attribute::optional("mode", Type::String, "Mode.")
                        .validate(crate::tfplugin::schema::Validator::OneOf(&["a", "b"])),
                )
                .attribute(Attribute::computed("ip", Type::String, "IP.")),
        )
    }
    fn timeouts(&self) -> Timeouts {
        Timeouts {
            create: Duration::from_millis(300),
            ..Timeouts::default()
        }
    }
    fn import_doc(&self) -> &'static str {
        "By name."
    }
    async fn existing(
        &self,
        ctx: &Ctx<'_, Remote>,
        planned: &Object,
    ) -> Result<Option<String>, Error> {
        let name = planned.string("name").unwrap();
        Ok(ctx
            .client
            .objects
            .lock()
            .unwrap()
            .contains_key(&name)
            .then(|| format!("/things/{name}")))
    }
    async fn create(&self, ctx: &Ctx<'_, Remote>, planned: &Object) -> Result<Object, Error> {
        let name = planned.string("name").unwrap();
        ctx.client
            .calls
            .lock()
            .unwrap()
            .push(format!("create {name}"));
        if name == "panic" {
            panic!("boom");
        }
        if name == "slow" {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        // The write is sent (the object may exist from now on), then the create goes wrong.
        let id = format!("/things/{name}");
        match name.as_str() {
            "hang" => {
                ctx.accepted().record(&id);
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            "fails" => {
                ctx.accepted().record(&id);
                return Err(Error::new("the operation failed"));
            }
            "refused" => {
                ctx.accepted().record(&id);
                ctx.accepted().refused(&id);
                return Err(Error::new("the request was refused"));
            }
            _ => {}
        }
        let mut o = planned.clone();
        o.set("id", format!("/things/{name}"));
        o.set("ip", "10.0.0.4");
        ctx.client.objects.lock().unwrap().insert(name, o.clone());
        Ok(o)
    }
    async fn read(&self, ctx: &Ctx<'_, Remote>, state: &Object) -> Result<Option<Object>, Error> {
        let name = state.string("name").unwrap_or_default();
        ctx.client
            .calls
            .lock()
            .unwrap()
            .push(format!("read {name}"));
        Ok(ctx.client.objects.lock().unwrap().get(&name).cloned())
    }
    async fn update(
        &self,
        ctx: &Ctx<'_, Remote>,
        _prior: &Object,
        planned: &Object,
    ) -> Result<Object, Error> {
        let name = planned.string("name").unwrap();
        ctx.client
            .calls
            .lock()
            .unwrap()
            .push(format!("update {name}"));
        // Outside a create, a write records nothing.
        ctx.accepted().record(&format!("/things/{name}"));
        if planned.get::<i64>("size").as_known() == Some(&99) {
            return Err(Error::new("the update failed"));
        }
        let mut o = planned.clone();
        o.set("ip", "10.0.0.5");
        ctx.client.objects.lock().unwrap().insert(name, o.clone());
        Ok(o)
    }
    async fn delete(&self, ctx: &Ctx<'_, Remote>, state: &Object) -> Result<(), Error> {
        ctx.client
            .objects
            .lock()
            .unwrap()
            .remove(&state.string("name").unwrap());
        Ok(())
    }
    fn import(&self, id: &str) -> Result<Object, Error> {
        let name = id
            .strip_prefix("/things/")
            .ok_or_else(|| Error::new(format!("{id:?} is not a thing ID")))?;
        Ok(Object::new(cty::Value::object([
            ("id", cty::Value::string(id)),
            ("name", cty::Value::string(name)),
        ])))
    }
}

struct Echo;

impl Function for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }
    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter {
                name: "s",
                ty: Type::String,
                description: "",
            }],
            returns: Type::String,
            summary: "",
            description: String::new(),
        }
    }
    fn call(&self, args: &[cty::Value]) -> Result<cty::Value, FunctionError> {
        match args[0].as_str() {
            Some("bad") => Err(FunctionError {
                text: "bad input".into(),
                argument: Some(0),
            }),
            _ => Ok(args[0].clone()),
        }
    }
}

#[async_trait]
impl ProviderDef for Fake {
    type Client = Remote;
    fn schema(&self) -> Schema {
        Schema::new(Block::new("p").attribute(Attribute::optional("region", Type::String, "r")))
    }
    async fn configure(&self, _: &Object, _: &str) -> Result<Remote, Diagnostics> {
        Ok(Remote::default())
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<Remote>>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Remote>>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Echo)]
    }
}
