//! Statements of rnd's Lambda function's resource policy: `AddPermission` and
//! `RemovePermission`, by statement id. Lambda cannot change a statement, so a changed one is
//! removed and added again (the plan replaces it).

use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::LambdaPermissionSpec;

use super::context::Context;
use crate::AwsError;

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &LambdaPermissionSpec,
) -> Result<(), AwsError> {
    let statement = &want.id.name;
    let add = || {
        ctx.clients
            .lambda
            .add_permission()
            .function_name(&spec.function_arn)
            .statement_id(statement)
            .action("lambda:InvokeFunction")
            .principal(&spec.principal)
            .source_arn(&spec.source_arn)
            .source_account(&spec.source_account)
            .send()
    };
    if let Err(e) = add().await {
        let err = AwsError::call("AddPermission", statement, e);
        if !err.code_is(&["ResourceConflict"]) {
            return Err(err);
        }
        // The id is the platform's own (`plan::ownership::in_place`): a statement a crashed
        // run added after the plan looked. It is put back exactly as planned.
        remove(ctx, statement, &spec.function_arn).await?;
        add()
            .await
            .map_err(|e| AwsError::call("AddPermission", statement, e))?;
    }
    ctx.remember(ResourceKind::LambdaPermission, statement, &spec.function_arn);
    Ok(())
}

async fn remove(ctx: &Context, statement: &str, function_arn: &str) -> Result<(), AwsError> {
    match ctx
        .clients
        .lambda
        .remove_permission()
        .function_name(function_arn)
        .statement_id(statement)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("RemovePermission", statement, e)),
    }
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let function = have.arn.clone().or_else(|| {
        have.attributes
            .get("function_arn")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    ctx.forget(ResourceKind::LambdaPermission, &have.name);
    match function {
        Some(function) => remove(ctx, &have.name, &function).await,
        None => Ok(()),
    }
}
