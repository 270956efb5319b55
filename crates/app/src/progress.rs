//! Progress of an apply as plain lines, one per event (readable in CI logs and on terminals).

use rnd_aws::Event;

/// One line for an event, or `None` for events too fine-grained to print.
pub fn line(event: &Event) -> Option<String> {
    Some(match event {
        Event::RunStarted { platform, operations } => {
            let noun = if *operations == 1 {
                "operation"
            } else {
                "operations"
            };
            format!("applying {operations} {noun} to platform {platform}")
        }
        Event::OperationStarted { .. } => return None,
        Event::OperationFinished { address, action } => format!("  {} {address} done", action.symbol()),
        Event::OperationFailed {
            address,
            action,
            error,
        } => format!("  {} {address} FAILED: {error}", action.symbol()),
        Event::OperationSkipped {
            address,
            failed_dependency,
        } => {
            format!("  skipped {address}: {failed_dependency} failed")
        }
        Event::ServiceApplied { service } => format!("service {service}: applied"),
        Event::ServiceStable { service } => format!("service {service}: stable"),
        Event::ServiceFailed { service, errors } => {
            format!("service {service}: FAILED ({})", errors.join("; "))
        }
        Event::RunFinished {
            succeeded,
            failed,
            skipped,
        } => {
            format!("finished: {succeeded} succeeded, {failed} failed, {skipped} skipped")
        }
    })
}
