//! [`ArmClient::read_shared`]: the ARM client's GET through its [`SharedReads`] (see
//! [`super::shared_reads`] for what is shared and when).

use serde_json::Value;

use super::client::{ArmClient, Response};
use super::deadline::Deadline;
use super::error::ArmError;
use super::shared_reads::{Body, SharedReads};

impl From<&Response> for Body {
    fn from(r: &Response) -> Body {
        Body {
            body: r.body.clone(),
            etag: r.etag.clone(),
            request_id: r.request_id.clone(),
        }
    }
}

impl From<Body> for Response {
    fn from(b: Body) -> Response {
        Response {
            body: b.body,
            etag: b.etag,
            request_id: b.request_id,
        }
    }
}

impl ArmClient {
    /// GET `id`, an object listed in `collection` (e.g. a resource group's
    /// `…/providers/Microsoft.Network/privateDnsZones`), through the shared reads: reads of
    /// several objects of one collection share one list, and the read right after this client's
    /// write is answered by the write's final body. `Ok(None)` when it is gone. `usable` says
    /// whether a list item carries everything the caller needs; when not, the object is read by
    /// GET.
    pub async fn read_shared(
        &self,
        id: &(impl AsRef<str> + ?Sized),
        collection: &str,
        api_version: &str,
        usable: fn(&Value) -> bool,
        deadline: Deadline,
    ) -> Result<Option<Response>, ArmError> {
        let id = id.as_ref();
        let shared: &SharedReads = self.shared_reads();
        let found = shared
            .read(
                id,
                collection,
                usable,
                || async {
                    let r = self.get(id, api_version, deadline).await?;
                    Ok(r.as_ref().map(Body::from))
                },
                || self.list(collection, api_version, deadline),
            )
            .await?;
        Ok(found.map(Response::from))
    }
}
