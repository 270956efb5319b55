//! Issue and pull-request comments: list every page, create one, edit one (the action keeps one
//! plan comment per pull request up to date with these).

use rnd_http::Method;
use serde::Deserialize;

use super::{GitHub, GitHubError};

/// More than a pull request's comments would ever need; a bound against a `next` link loop.
const MAX_PAGES: usize = 100;
const JSON: &str = "application/vnd.github+json";

/// One issue comment, as much of it as rnd reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl GitHub {
    /// Every comment of issue or pull request `number` of `repository` (`owner/name`),
    /// following `Link: rel="next"`.
    pub async fn comments(&self, repository: &str, number: u64) -> Result<Vec<Comment>, GitHubError> {
        let mut url = self.url(&format!(
            "/repos/{repository}/issues/{number}/comments?per_page=100"
        ));
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let answer = self.send(Method::GET, &url, JSON, None).await?;
            let page: Vec<Comment> = documented(&answer.body, "list of comments")?;
            all.extend(page);
            match answer.next {
                Some(next) => url = next,
                None => return Ok(all),
            }
        }
        Err(GitHubError::permanent(format!(
            "pull request #{number} has more than {MAX_PAGES} pages of comments"
        )))
    }

    /// Add a comment to issue or pull request `number`.
    pub async fn create_comment(
        &self,
        repository: &str,
        number: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let url = self.url(&format!("/repos/{repository}/issues/{number}/comments"));
        let answer = self.send(Method::POST, &url, JSON, Some(payload(body))).await?;
        documented(&answer.body, "answer to a new comment")
    }

    /// Replace the body of comment `id`.
    pub async fn update_comment(
        &self,
        repository: &str,
        id: u64,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let url = self.url(&format!("/repos/{repository}/issues/comments/{id}"));
        let answer = self.send(Method::PATCH, &url, JSON, Some(payload(body))).await?;
        documented(&answer.body, "answer to an edited comment")
    }
}

fn payload(body: &str) -> String {
    serde_json::json!({ "body": body }).to_string()
}

/// GitHub's answer parsed as documented, or an error saying it is not.
fn documented<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, GitHubError> {
    serde_json::from_slice(body)
        .map_err(|e| GitHubError::permanent(format!("GitHub's {what} is not what it documents: {e}")))
}
