//! `rnd restart`: a new deployment of a service with the task definition it runs, so its tasks
//! start again and read their secrets' current values.

use crate::{AwsError, Clients};

/// Ask ECS to replace the tasks of `service` in `cluster` (a forced new deployment: same task
/// definition, rolling as the service's deployment settings say). `Ok(false)` when ECS does
/// not know the service.
pub async fn restart(clients: &Clients, cluster: &str, service: &str) -> Result<bool, AwsError> {
    let updated = clients
        .ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .force_new_deployment(true)
        .send()
        .await;
    match updated {
        Ok(_) => Ok(true),
        Err(e) => {
            let error = AwsError::call("UpdateService", service, e);
            if error.code_is(&["ServiceNotFound", "ServiceNotActive", "ClusterNotFound"]) {
                Ok(false)
            } else {
                Err(error)
            }
        }
    }
}
