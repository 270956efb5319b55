//! `scale_to_zero` in `platform.json`: the platform team's switch for services with
//! `idle_after`. It names rnd's Lambda function (the `FunctionArn` output of
//! `deploy/lambda.yaml`), which puts idle services to sleep and wakes them on the next request.
//! Without it no service sleeps, whatever its manifest says.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::validate::checker::Checker;

/// What sleeping services need from the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleToZero {
    /// The function the wake target groups invoke and the idle alarms call.
    pub function_arn: String,
}

/// `arn:<partition>:lambda:<region>:<12 digits>:function:<name>[:<alias or version>]`: the
/// function's region, or why it is not a function ARN.
pub fn function_arn_region(arn: &str) -> Result<&str, String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let [scheme, partition, service, region, account, kind, name, rest @ ..] = parts.as_slice() else {
        return Err("it is not an ARN of the form arn:aws:lambda:REGION:ACCOUNT:function:NAME".into());
    };
    if *scheme != "arn" || !partition.starts_with("aws") || *service != "lambda" || *kind != "function" {
        return Err("it is not a Lambda function's ARN".into());
    }
    if region.is_empty() {
        return Err("it names no region".into());
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("its account `{account}` is not 12 digits"));
    }
    let valid_name = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !valid_name(name) {
        return Err(format!(
            "`{name}` is not a function name (letters, digits, - and _, at most 64)"
        ));
    }
    match rest {
        [] => Ok(region),
        [qualifier] if valid_name(qualifier) || *qualifier == "$LATEST" => Ok(region),
        _ => Err("it has more than one qualifier after the function name".into()),
    }
}

/// `scale_to_zero`, when present; the function must be in the platform's region (a load
/// balancer invokes only functions of its own region).
pub(crate) fn check(c: &mut Checker, map: &Map<String, Value>, region: Option<&str>) -> Option<ScaleToZero> {
    let value = map.get("scale_to_zero")?;
    let s = c.object(
        "/scale_to_zero",
        value,
        "`scale_to_zero`",
        &["function_arn"],
        &[("function", "function_arn"), ("lambda_arn", "function_arn")],
    )?;
    if !s.contains_key("function_arn") {
        c.missing(
            "/scale_to_zero",
            "function_arn",
            "add \"function_arn\": the FunctionArn output of deploy/lambda.yaml's stack".to_string(),
        );
        return None;
    }
    let arn = c.string(s, "/scale_to_zero", "function_arn")?;
    match (function_arn_region(arn), region) {
        (Err(why), _) => {
            c.error(
                "platform/scale-to-zero-function",
                "/scale_to_zero/function_arn",
                format!("`function_arn` is not usable: {why}"),
                "use the FunctionArn output of deploy/lambda.yaml's stack, e.g. \
                 \"arn:aws:lambda:us-east-1:123456789012:function:rnd\""
                    .to_string(),
            );
            None
        }
        (Ok(function_region), Some(region)) if function_region != region => {
            c.error(
                "platform/scale-to-zero-region",
                "/scale_to_zero/function_arn",
                format!("the function is in {function_region} but the platform is in {region}"),
                format!("a load balancer invokes functions of its own region only: deploy rnd's Lambda function in {region}"),
            );
            None
        }
        (Ok(_), _) => Some(ScaleToZero {
            function_arn: arn.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_are_read_for_their_region() {
        assert_eq!(
            function_arn_region("arn:aws:lambda:eu-west-1:123456789012:function:rnd"),
            Ok("eu-west-1")
        );
        assert_eq!(
            function_arn_region("arn:aws:lambda:us-east-1:123456789012:function:rnd:live"),
            Ok("us-east-1")
        );
        assert!(function_arn_region("arn:aws:lambda:us-east-1:123456789012:layer:rnd").is_err());
        assert!(function_arn_region("arn:aws:lambda:us-east-1:1234:function:rnd").is_err());
        assert!(function_arn_region("rnd").is_err());
    }
}
