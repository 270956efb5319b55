//! The desired state rendered for other tools: `cloudformation.rs` writes the resources the
//! planner would create as a CloudFormation template (`rnd export cloudformation`), for teams
//! that review or keep their stack in CloudFormation, and as a second opinion on every attribute
//! (cfn-lint and checkov check the templates in `scripts/test`).

mod cloudformation;

pub use cloudformation::{cloudformation, ExportError, Stack};
