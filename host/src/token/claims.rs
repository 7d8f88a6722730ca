//! The claims of a host token, in upstream Caracal 1.0's shape: the names
//! and types `caracalai-identity`'s `verify_token` / `verify_config`
//! require, so upstream's verifiers accept what the host mints.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `use` of a session token: names a session, for the host and for
/// servers that accept session tokens.
pub const USE_SESSION: &str = "session";
/// `use` of a resource mandate: minted for one resource on a
/// gateway-routed request.
pub const USE_RESOURCE: &str = "resource";
/// `sub_type` of every host token: the subject is the application.
pub const SUBJECT_APPLICATION: &str = "application";

/// The claims of a host-minted token (session token or resource mandate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The issuer URL (`issuer_url`), or `caracal-host` without one.
    pub iss: String,
    /// The subject: the application id (`sub_type` application).
    pub sub: String,
    /// Audiences: a session token's are the application and every bound
    /// resource; a mandate's is its resource. One audience is written as
    /// a string, several as an array (both are JWT forms).
    #[serde(
        serialize_with = "write_audience",
        deserialize_with = "read_audience",
        default
    )]
    pub aud: Vec<String>,
    /// Zone id.
    pub zone_id: String,
    /// The application (upstream's client id).
    pub client_id: String,
    /// The subject authority record: the application's root context in
    /// this host (also the envelope's `caracal.session`).
    pub sid: String,
    /// The root authority record of the chain: the root of the application
    /// the authority came from (another application's, after a peer
    /// delegation).
    pub root_sid: String,
    /// Always [`SUBJECT_APPLICATION`].
    pub sub_type: String,
    /// [`USE_SESSION`] or [`USE_RESOURCE`].
    #[serde(rename = "use")]
    pub token_use: String,
    /// The scopes held, space-separated; omitted when none (upstream
    /// requires a present `scope` to be non-empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The resources the token is for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<String>,
    /// The agent session; absent for the application's root context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session_id: Option<String>,
    /// The delegation edge the session presents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_edge_id: Option<String>,
    /// The edge that edge was narrowed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_delegation_edge_id: Option<String>,
    /// Delegation hops from the application.
    #[serde(default)]
    pub hop_count: u32,
    /// The chain of authority, origin first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegation_chain: Vec<ChainHop>,
    /// The delegation edges of the chain, origin first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegation_path: Vec<String>,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
    /// Unique token id (UUIDv7).
    pub jti: String,
}

impl TokenClaims {
    /// The claims of a session token of `issuer` for `session` (a child of
    /// the root context `root`) at `hop`, valid from `iat` to `exp`, with
    /// no scope, target or chain: what tests and tools mint by hand.
    #[expect(
        clippy::too_many_arguments,
        reason = "every claim a session token needs"
    )]
    pub fn session(
        issuer: &str,
        zone_id: &str,
        application_id: &str,
        root: &str,
        session: &str,
        hop: u32,
        iat: u64,
        exp: u64,
    ) -> TokenClaims {
        TokenClaims {
            iss: issuer.to_owned(),
            sub: application_id.to_owned(),
            aud: vec![application_id.to_owned()],
            zone_id: zone_id.to_owned(),
            client_id: application_id.to_owned(),
            sid: root.to_owned(),
            root_sid: root.to_owned(),
            sub_type: SUBJECT_APPLICATION.to_owned(),
            token_use: USE_SESSION.to_owned(),
            scope: String::new(),
            target: Vec::new(),
            agent_session_id: Some(session.to_owned()),
            delegation_edge_id: None,
            parent_delegation_edge_id: None,
            hop_count: hop,
            delegation_chain: Vec::new(),
            delegation_path: Vec::new(),
            iat,
            exp,
            jti: uuid::Uuid::now_v7().to_string(),
        }
    }

    /// The session the token names: its agent session, else (a root token)
    /// its authority record.
    pub fn session_id(&self) -> &str {
        self.agent_session_id.as_deref().unwrap_or(&self.sid)
    }

    /// The scopes, split.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_ascii_whitespace()
    }
}

/// One link of a token's delegation chain. Written with both upstream
/// generations' member names (1.0's `application_id` / `agent_session_id`
/// / `delegation_edge_id` and 0.1's `app` / `session` / `edge`), so both
/// read it; read from either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainHop {
    /// The application of the link.
    pub application_id: String,
    /// The session of the link.
    pub session_id: Option<String>,
    /// The edge the link holds.
    pub delegation_id: Option<String>,
}

impl Serialize for ChainHop {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("application_id", &self.application_id)?;
        map.serialize_entry("app", &self.application_id)?;
        if let Some(session) = &self.session_id {
            map.serialize_entry("agent_session_id", session)?;
            map.serialize_entry("session", session)?;
        }
        if let Some(edge) = &self.delegation_id {
            map.serialize_entry("delegation_edge_id", edge)?;
            map.serialize_entry("edge", edge)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChainHop {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            application_id: Option<String>,
            app: Option<String>,
            agent_session_id: Option<String>,
            session: Option<String>,
            delegation_edge_id: Option<String>,
            edge: Option<String>,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(ChainHop {
            application_id: raw
                .application_id
                .or(raw.app)
                .ok_or_else(|| serde::de::Error::missing_field("application_id"))?,
            session_id: raw.agent_session_id.or(raw.session),
            delegation_id: raw.delegation_edge_id.or(raw.edge),
        })
    }
}

fn write_audience<S: Serializer>(aud: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    match aud {
        [one] => serializer.serialize_str(one),
        many => many.serialize(serializer),
    }
}

fn read_audience<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Audience {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Audience::deserialize(deserializer)? {
        Audience::One(one) => vec![one],
        Audience::Many(many) => many,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_hops_are_written_for_both_generations_and_read_from_either() {
        let hop = ChainHop {
            application_id: "app".into(),
            session_id: Some("s".into()),
            delegation_id: None,
        };
        let json = serde_json::to_value(&hop).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"application_id": "app", "app": "app",
                "agent_session_id": "s", "session": "s"})
        );
        let old: ChainHop =
            serde_json::from_value(serde_json::json!({"app": "a", "edge": "e"})).unwrap();
        assert_eq!(old.application_id, "a");
        assert_eq!(old.delegation_id.as_deref(), Some("e"));
        assert!(serde_json::from_value::<ChainHop>(serde_json::json!({"session": "s"})).is_err());
    }

    #[test]
    fn one_audience_is_a_string_several_an_array() {
        let read = |json: serde_json::Value| read_audience(json).unwrap();
        assert_eq!(read(serde_json::json!("a")), vec!["a"]);
        assert_eq!(read(serde_json::json!(["a", "b"])), vec!["a", "b"]);
        assert!(read_audience(serde_json::json!(3)).is_err());
    }
}
