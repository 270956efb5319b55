//! What kind of event arrived. One function serves them all: an HTTP request (a GitHub webhook
//! through a Function URL or API Gateway, payload format 1.0 or 2.0), an EventBridge event (a
//! schedule, or ECS's state changes), rnd's own hand-off of a verified push to deploy, a request
//! to a sleeping service (an ALB event) and an idle alarm's state change.

use aws_lambda_events::event::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An HTTP request, whichever front door it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The raw body, decoded from base64 when the front door encoded it.
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A push to deploy, handed from the webhook to an asynchronous invocation of this function, so
/// GitHub's delivery is answered within its 10 s while the deployment takes its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRequest {
    pub repository: String,
    pub commit: String,
    pub author: Option<String>,
}

#[derive(Debug)]
pub enum Incoming {
    Http(HttpRequest),
    Schedule,
    Ecs(Box<EventBridgeEvent<Value>>),
    Deploy(DeployRequest),
    /// An EventBridge event this function has no use for (its `detail-type`).
    OtherEvent(String),
    /// A request to a sleeping service, through its wake target group (an ALB event).
    Wake(crate::waker::WakeRequest),
    /// A service's idle alarm changed state (CloudWatch's alarm action).
    IdleAlarm(crate::sleeper::AlarmEvent),
}

/// Classify `event`; `Err` says what it was not.
pub fn classify(event: Value) -> Result<Incoming, String> {
    if let Some(deploy) = event.get("rnd_deploy") {
        return serde_json::from_value(deploy.clone())
            .map(Incoming::Deploy)
            .map_err(|e| format!("an rnd_deploy hand-off that does not parse: {e}"));
    }
    // Before the HTTP front doors: an ALB event has `httpMethod` too.
    if let Some(request) = crate::waker::WakeRequest::from_event(&event) {
        return Ok(Incoming::Wake(request));
    }
    if let Some(alarm) = crate::sleeper::AlarmEvent::from_event(&event) {
        return Ok(Incoming::IdleAlarm(alarm));
    }
    if event.get("detail-type").is_some() {
        let event: EventBridgeEvent<Value> = serde_json::from_value(event)
            .map_err(|e| format!("an EventBridge event that does not parse: {e}"))?;
        return Ok(match (event.source.as_str(), event.detail_type.as_str()) {
            ("aws.events" | "aws.scheduler", "Scheduled Event") => Incoming::Schedule,
            ("aws.ecs", _) => Incoming::Ecs(Box::new(event)),
            (_, other) => Incoming::OtherEvent(other.to_string()),
        });
    }
    let is_http_v2 = event.pointer("/requestContext/http").is_some();
    let (headers, body, encoded) = if is_http_v2 {
        let request: LambdaFunctionUrlRequest =
            serde_json::from_value(event).map_err(|e| format!("an HTTP request that does not parse: {e}"))?;
        (request.headers, request.body, request.is_base64_encoded)
    } else if event.get("httpMethod").is_some() {
        let request: ApiGatewayProxyRequest = serde_json::from_value(event)
            .map_err(|e| format!("an API Gateway request that does not parse: {e}"))?;
        (request.headers, request.body, request.is_base64_encoded)
    } else {
        return Err("neither an HTTP request, an EventBridge event nor an rnd hand-off".into());
    };
    let headers = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
        .collect();
    let body = body.unwrap_or_default();
    let body = if encoded {
        base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| "an HTTP body marked base64 that is not".to_string())?
    } else {
        body.into_bytes()
    };
    Ok(Incoming::Http(HttpRequest { headers, body }))
}
