//! What the waker answers a request that reached a sleeping or waking service (issue 16): the
//! load balancer's rule forwards to this function's target group while the service sleeps.
//! Browsers get a small page that says the service is starting and reloads itself; API clients
//! get `503` with `Retry-After` and a JSON body; both are never cached. The response is the shape
//! an Application Load Balancer takes from a Lambda target (`statusCode`, `statusDescription`,
//! `headers`, `body`, `isBase64Encoded`).

use serde_json::{json, Value};

/// The request as the waker needs it, from an ALB Lambda-target event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeRequest {
    /// The wake target group the request came through: it names the service.
    pub target_group_arn: String,
    /// `accept`, lower-cased names as the load balancer sends them.
    pub accept: Option<String>,
}

impl WakeRequest {
    /// From an ALB event (`requestContext.elb.targetGroupArn`); `None` for any other event.
    pub fn from_event(event: &Value) -> Option<Self> {
        let target_group_arn = event.pointer("/requestContext/elb/targetGroupArn")?.as_str()?;
        let accept = event
            .pointer("/headers/accept")
            .or_else(|| event.pointer("/multiValueHeaders/accept/0"))
            .and_then(Value::as_str)
            .map(str::to_string);
        Some(WakeRequest {
            target_group_arn: target_group_arn.to_string(),
            accept,
        })
    }

    /// A browser navigating, rather than a program calling an API.
    pub fn wants_html(&self) -> bool {
        self.accept.as_deref().is_some_and(|a| a.contains("text/html"))
    }
}

/// The answer while `service` starts, to be ready in about `retry_after` seconds.
pub fn starting(request: &WakeRequest, service: &str, retry_after: u64) -> Value {
    let (content_type, body) = if request.wants_html() {
        ("text/html; charset=utf-8", page(service, retry_after))
    } else {
        (
            "application/json",
            json!({ "status": "starting", "service": service, "retry_after_seconds": retry_after })
                .to_string(),
        )
    };
    json!({
        "statusCode": 503,
        "statusDescription": "503 Service Unavailable",
        "headers": {
            "content-type": content_type,
            "retry-after": retry_after.to_string(),
            "cache-control": "no-store",
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// "about 3 minutes", "under a minute".
fn about(seconds: u64) -> String {
    match seconds.div_ceil(60) {
        0 | 1 if seconds < 60 => "under a minute".to_string(),
        1 => "about a minute".to_string(),
        n => format!("about {n} minutes"),
    }
}

/// The page a browser shows: it reloads itself when the service should be ready.
fn page(service: &str, retry_after: u64) -> String {
    let service = escape(service);
    let wait = about(retry_after);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"{retry_after}\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{service} is starting</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}}</style>\
</head><body><h1>{service} is starting</h1>\
<p>It was asleep because nobody used it for a while, which costs nothing. It will be ready in {wait}; \
this page reloads itself until then.</p></body></html>\n"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ALB event as the load balancer sends it to a Lambda target (AWS's documented example,
    /// with a browser's `accept`).
    fn alb_event(accept: &str) -> Value {
        json!({
            "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/research-demo-w/6d0ecf831eec9f09" } },
            "httpMethod": "GET",
            "path": "/",
            "queryStringParameters": {},
            "headers": {
                "accept": accept,
                "host": "demo.research.example.com",
                "user-agent": "Mozilla/5.0",
                "x-amzn-trace-id": "Root=1-5bdb40ca-556d8b0c50dc66f0511bf520",
                "x-forwarded-for": "72.21.198.66",
                "x-forwarded-port": "443",
                "x-forwarded-proto": "https"
            },
            "body": "",
            "isBase64Encoded": false
        })
    }

    #[test]
    fn a_browser_gets_a_page_that_reloads_itself() {
        let request =
            WakeRequest::from_event(&alb_event("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")).unwrap();
        assert!(request.target_group_arn.contains("research-demo-w"));
        let answer = starting(&request, "demo", 150);
        assert_eq!(answer["statusCode"], 503);
        assert_eq!(answer["headers"]["retry-after"], "150");
        assert_eq!(answer["headers"]["cache-control"], "no-store");
        let body = answer["body"].as_str().unwrap();
        assert!(
            body.contains("<meta http-equiv=\"refresh\" content=\"150\">"),
            "{body}"
        );
        assert!(
            body.contains("demo is starting") && body.contains("about 3 minutes"),
            "{body}"
        );
        insta::assert_snapshot!(body);
    }

    #[test]
    fn an_api_client_gets_503_with_retry_after_and_json() {
        let request = WakeRequest::from_event(&alb_event("application/json")).unwrap();
        let answer = starting(&request, "demo", 40);
        assert_eq!(answer["statusCode"], 503);
        assert_eq!(answer["statusDescription"], "503 Service Unavailable");
        assert_eq!(answer["headers"]["content-type"], "application/json");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "status": "starting", "service": "demo", "retry_after_seconds": 40 })
        );
    }

    #[test]
    fn other_events_are_not_wake_requests() {
        assert_eq!(WakeRequest::from_event(&json!({ "httpMethod": "GET" })), None);
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(about(30), "under a minute");
        assert_eq!(about(60), "about a minute");
        assert_eq!(about(61), "about 2 minutes");
        assert_eq!(about(150), "about 3 minutes");
        assert_eq!(escape("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}
