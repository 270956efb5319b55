//! What `rnd destroy` leaves on purpose, and how to remove it: the log groups it kept, the
//! platform's secrets, and the account's lock table.

use rnd_core::plan::kept::keeps_log_group;
use rnd_core::plan::Plan;
use rnd_core::platform::{Platform, SecretsStore};

/// Lines saying what a destroy kept, for after its report.
pub fn kept_after_destroy(plan: &Plan, platform: &Platform) -> Vec<String> {
    let groups: Vec<&str> = plan
        .graph
        .operations()
        .filter(|op| keeps_log_group(op))
        .map(|op| op.id.name.as_str())
        .collect();
    let mut lines = vec!["kept on purpose:".to_string()];
    if groups.is_empty() {
        lines.push(format!(
            "  - log groups under /rnd/{}/ that still hold lines, if any: each goes once its lines have \
             expired (a later `rnd apply` of this platform deletes it then)",
            platform.name
        ));
    } else {
        lines.push(format!(
            "  - log groups {}: `rnd logs <service> --previous --since 7d` still reads them; their lines \
             expire with their retention ({} days); to remove one now: `aws logs delete-log-group \
             --log-group-name <name>`",
            groups.join(", "),
            platform.log_retention_days
        ));
    }
    let secrets = match platform.secrets_store {
        SecretsStore::Ssm => format!(
            "SSM parameters under /{}/ (`aws ssm get-parameters-by-path --path /{}/ --recursive` lists \
             them; `aws ssm delete-parameters --names …` removes them)",
            platform.name, platform.name
        ),
        SecretsStore::SecretsManager => format!(
            "Secrets Manager secrets named {}/… (`aws secretsmanager list-secrets --filters \
             Key=name,Values={}/` lists them; `aws secretsmanager delete-secret --secret-id …` removes one)",
            platform.name, platform.name
        ),
    };
    lines.push(format!(
        "  - the services' secrets, which are the team's data: {secrets}"
    ));
    lines.push(
        "  - the lock table rnd-locks, shared by every platform of this account and region (costs nothing \
         while idle; `aws dynamodb delete-table --table-name rnd-locks` once no platform is left)"
            .to_string(),
    );
    lines
}
