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
    let events = clients
        .logs
        .get_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .start_from_head(false)
        .limit(n.clamp(1, 10_000) as i32)
        .send()
        .await
        .map_err(|e| AwsError::call("GetLogEvents", log_group, e))?;
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
