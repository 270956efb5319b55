//! The last lines a service's tasks wrote to CloudWatch Logs: what a failure report shows so
//! nobody has to go looking first.

use aws_sdk_cloudwatchlogs::types::OrderBy;

use crate::{AwsError, Clients};

/// The last `n` lines of the most recently written stream of `log_group` (one stream per task),
/// oldest first, each prefixed with the stream's task id. Empty when the group has no events.
pub async fn last_lines(clients: &Clients, log_group: &str, n: usize) -> Result<Vec<String>, AwsError> {
    let streams = clients
        .logs
        .describe_log_streams()
        .log_group_name(log_group)
        .order_by(OrderBy::LastEventTime)
        .descending(true)
        .limit(1)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeLogStreams", log_group, e))?;
    let Some(stream) = streams.log_streams().first().and_then(|s| s.log_stream_name()) else {
        return Ok(Vec::new());
    };
    stream_tail(clients, log_group, stream, n).await
}

/// The last `n` lines of one stream (one task's), oldest first, each prefixed with the task id.
/// Empty when the stream does not exist (the task never logged).
pub async fn stream_tail(
    clients: &Clients,
    log_group: &str,
    stream: &str,
    n: usize,
) -> Result<Vec<String>, AwsError> {
    let events = match clients
        .logs
        .get_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .start_from_head(false)
        .limit(n.clamp(1, 10_000) as i32)
        .send()
        .await
    {
        Ok(events) => events,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(Vec::new())
        }
        Err(e) => return Err(AwsError::call("GetLogEvents", log_group, e)),
    };
    // awslogs names streams `<prefix>/<container>/<task id>`: the task id says which task wrote.
    let task = stream.rsplit('/').next().unwrap_or(stream);
    let mut lines: Vec<String> = events
        .events()
        .iter()
        .filter_map(|e| e.message())
        .map(|m| format!("[{task}] {}", m.trim_end()))
        .collect();
    // Only the last `n`, whatever the service returned.
    let skip = lines.len().saturating_sub(n);
    lines.drain(..skip);
    Ok(lines)
}
