//! What every handler of the provider's features uses to reach ARM, so that none of them repeats
//! the plumbing: `ctx.arm().await?` gives the ARM client bound to the handler's deadline
//! ([`Arm`]), and [`Doing::doing`] turns an ARM error into the framework's error with what was
//! being done ("creating private DNS zone {id}: …").

use std::fmt::Display;
use std::ops::Deref;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;

use super::ConfiguredProvider;
use crate::arm::{ArmClient, ArmError, Deadline, ErrorKind, Response, WriteOptions};
use crate::tfplugin::traits::{self, Accepted, Error};

/// The handler context of this provider's features.
pub type Ctx<'a> = traits::Ctx<'a, ConfiguredProvider>;

impl Ctx<'_> {
    /// The ARM client (authenticated on first use), bound to this handler's deadline.
    pub async fn arm(&self) -> Result<Arm<'_>, Error> {
        Ok(Arm {
            client: self.client.arm().await?,
            deadline: Deadline(self.deadline),
            accepted: self.accepted(),
        })
    }
}

/// The ARM client with the handler's deadline: every call waits, retries and polls at most
/// until then. Everything else of [`ArmClient`] is reached through `Deref`.
///
/// In a create, the first PUT's resource is recorded as accepted when it is sent, and forgotten
/// if ARM refuses the request: when the create then fails, times out or is stopped, the framework
/// saves the object (tainted) instead of leaving it in Azure unknown to Terraform.
#[derive(Clone, Copy)]
pub struct Arm<'a> {
    client: &'a ArmClient,
    deadline: Deadline,
    accepted: &'a Accepted,
}

impl<'a> Deref for Arm<'a> {
    type Target = ArmClient;

    fn deref(&self) -> &ArmClient {
        self.client
    }
}

impl<'a> Arm<'a> {
    /// The client itself (for the coordinator and helpers that take one).
    pub fn client(&self) -> &'a ArmClient {
        self.client
    }

    /// The handler's deadline.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// GET a resource; `None` when it is gone.
    pub async fn get(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
    ) -> Result<Option<Response>, ArmError> {
        self.client.get(id, api_version, self.deadline).await
    }

    /// PUT a resource and wait for the operation; returns the final body.
    pub async fn put(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: &impl Serialize,
    ) -> Result<Response, ArmError> {
        self.put_with(id, api_version, body, WriteOptions::default())
            .await
    }

    /// PUT with conditional headers.
    pub async fn put_with(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: &impl Serialize,
        opts: WriteOptions,
    ) -> Result<Response, ArmError> {
        let body = to_json(body)?;
        let id = id.as_ref();
        self.accepted.record(id);
        let result = self
            .client
            .put(id, api_version, &body, opts, self.deadline)
            .await;
        self.unless_refused(id, &result);
        result
    }

    /// Records, in a create, that the object `id` may exist from now on although it is not
    /// written by [`Arm::put`] (a write through the coordinator or the outbound-rule writer).
    /// Call it before the write is sent, then [`Arm::unless_refused`] with its result.
    pub fn accepted(&self, id: &str) {
        self.accepted.record(id);
    }

    /// Forgets `id` again when `result` says ARM refused the write, so nothing was created.
    pub fn unless_refused<T>(&self, id: &str, result: &Result<T, ArmError>) {
        if let Err(e) = result {
            if refused(e) {
                self.accepted.refused(id);
            }
        }
    }

    /// Forgets `id`: the create refused to write it after all (its own check failed).
    pub fn not_written(&self, id: &str) {
        self.accepted.refused(id);
    }

    /// PATCH a resource and wait for the operation; returns the final body.
    pub async fn patch(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
        body: &impl Serialize,
    ) -> Result<Response, ArmError> {
        let body = to_json(body)?;
        self.client
            .patch(
                id,
                api_version,
                &body,
                WriteOptions::default(),
                self.deadline,
            )
            .await
    }

    /// DELETE a resource and wait until it is gone (gone already is success).
    pub async fn delete(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        api_version: &str,
    ) -> Result<(), ArmError> {
        self.client.delete(id, api_version, self.deadline).await
    }

    /// GET every item of a collection, following `nextLink`.
    pub async fn list(&self, collection: &str, api_version: &str) -> Result<Vec<Json>, ArmError> {
        self.client
            .list(collection, api_version, self.deadline)
            .await
    }
}

/// Whether ARM refused a write outright, so that nothing was created: a request it rejected
/// (400, 401/403, 409, 412, 429) or one never sent. A 404 may come from the read after an
/// accepted create (replication lag), and a failed operation, a timeout, a 5xx or a lost
/// connection may follow an accepted one: the object may exist, so it stays recorded (the next
/// refresh drops it if it does not).
fn refused(e: &ArmError) -> bool {
    matches!(
        e.kind,
        ErrorKind::BadRequest
            | ErrorKind::Auth
            | ErrorKind::Conflict
            | ErrorKind::PreconditionFailed
            | ErrorKind::Throttled
            | ErrorKind::Config
    )
}

fn to_json(body: &impl Serialize) -> Result<Json, ArmError> {
    serde_json::to_value(body)
        .map_err(|e| ArmError::config(format!("could not encode the request body: {e}")))
}

/// Reads an ARM body as its typed model. The models take only the fields the provider uses and
/// default what is absent, so this fails only on a body of the wrong shape.
pub fn parse<T: DeserializeOwned>(body: &Json) -> Result<T, Error> {
    T::deserialize(body).map_err(|e| {
        Error::new(format!("Azure returned a body this provider cannot read: {e}")).detail(
            "This is a bug in the provider or an API change; please report it with the request ID from TF_LOG=debug.",
        )
    })
}

/// Adds what was being done to an ARM error, as the framework's error.
pub trait Doing<T> {
    /// `Err(e)` becomes "{what}: {e}" with the ARM error's hint and request IDs as detail.
    fn doing(self, what: impl Display) -> Result<T, Error>;
}

impl<T> Doing<T> for Result<T, ArmError> {
    fn doing(self, what: impl Display) -> Result<T, Error> {
        self.map_err(|e| Error::from(e).context(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refused_writes_are_forgotten() {
        let e = |kind| ArmError {
            kind,
            ..ArmError::config("x")
        };
        for kind in [
            ErrorKind::BadRequest,
            ErrorKind::Auth,
            ErrorKind::Conflict,
            ErrorKind::PreconditionFailed,
            ErrorKind::Throttled,
            ErrorKind::Config,
        ] {
            assert!(refused(&e(kind)), "{kind:?}");
        }
        // These may follow an accepted write: the object may exist.
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::Transient,
            ErrorKind::Timeout,
            ErrorKind::Transport,
            ErrorKind::LroFailed,
        ] {
            assert!(!refused(&e(kind)), "{kind:?}");
        }
    }
}
