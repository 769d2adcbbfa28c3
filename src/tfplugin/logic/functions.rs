//! Provider functions: looking one up with its argument count checked, and calling it.

use std::sync::Arc;

use super::Server;
use crate::tfplugin::cty::Value;
use crate::tfplugin::traits::{Function, FunctionError, ProviderDef, Signature};

impl<P: ProviderDef> Server<P> {
    /// The function named `name` and its signature, if it takes `arguments` arguments.
    pub fn function(
        &self,
        name: &str,
        arguments: usize,
    ) -> Result<(&Arc<dyn Function>, Signature), FunctionError> {
        let f = self.functions.get(name).ok_or_else(|| FunctionError {
            text: format!("terraform-provider-aml has no function named {name:?}"),
            argument: None,
        })?;
        let sig = f.signature();
        if arguments != sig.parameters.len() {
            return Err(FunctionError {
                text: format!(
                    "{name} takes {} arguments, got {arguments}",
                    sig.parameters.len()
                ),
                argument: None,
            });
        }
        Ok((f, sig))
    }

    /// Calls a function with arguments of its signature's types.
    pub fn call_function(&self, f: &dyn Function, args: &[Value]) -> Result<Value, FunctionError> {
        f.call(args)
    }
}
