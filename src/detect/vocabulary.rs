//! Every word list the detector reads, in one place: the context words the prefilter looks for,
//! the words that make a name a digest, a token or a secret, the words a Twilio credential's
//! name may hold, and the words that make a value a placeholder.
//!
//! Matching code lives in `prefilter`, `context` and `placeholder`; changing what counts as a
//! word of some kind is an edit here only.

/// The spellings of `twilio` that count as context (the prefilter looks for these).
pub const TWILIO_WORDS: [&str; 3] = ["twilio", "Twilio", "TWILIO"];

/// The spellings of "auth token" that count as context (the prefilter looks for these).
pub const AUTH_TOKEN_WORDS: [&str; 18] = [
    "auth_token",
    "AUTH_TOKEN",
    "Auth_Token",
    "auth_Token",
    "authToken",
    "AuthToken",
    "authtoken",
    "AUTHTOKEN",
    "Authtoken",
    "auth-token",
    "AUTH-TOKEN",
    "Auth-Token",
    "auth.token",
    "AUTH.TOKEN",
    "Auth_token",
    "auth token",
    "Auth Token",
    "AUTH TOKEN",
];

/// Words that make a name, a line or a comment say "digest", never a credential (`cache`: the
/// md5 cache keys of build logs).
pub const HASH_WORDS: [&str; 17] = [
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "hash",
    "checksum",
    "digest",
    "etag",
    "integrity",
    "fingerprint",
    "nonce",
    "salt",
    "commit",
    "hmac",
    "cache",
];

/// Environment reads, normalized (`getenv`, `os.environ`, `process.env`, `ENV.fetch`,
/// `System.getenv`, `Environment.GetEnvironmentVariable`): their argument is a variable's name.
pub const ENV_READS: [&str; 14] = [
    "getenv",
    "osgetenv",
    "environ",
    "osenviron",
    "environget",
    "osenvironget",
    "env",
    "processenv",
    "envfetch",
    "envget",
    "denoenvget",
    "systemgetenv",
    "getenvironmentvariable",
    "environmentgetenvironmentvariable",
];

/// Words for random identifiers: a line that mentions them holds no credential.
pub const UUID_WORDS: [&str; 2] = ["uuid", "guid"];

/// Words for colours: a 32-hex value under such a name is data, not a secret.
pub const COLOUR_WORDS: [&str; 2] = ["color", "colour"];

/// Parts of a name that make it token-like (`token`, `password`, `credential`).
pub const TOKEN_WORDS: [&str; 4] = ["token", "pass", "pwd", "credential"];

/// Parts of a name that say API secret outright.
pub const API_SECRET_WORDS: [&str; 3] = ["apisecret", "keysecret", "secretkey"];

/// Parts of a name that say API key SID.
pub const API_KEY_SID_WORDS: [&str; 3] = ["apikey", "keysid", "signingkey"];

/// What a client constructor call looks like in most SDKs (`Client(sid, token)`,
/// `new TwilioRestClient(…)`): in a block next to a name that says API key, it says the key is
/// Twilio's.
pub const CLIENT_CALL: &str = "Client(";

/// The callee whose first argument is an Auth Token: Twilio's webhook `RequestValidator`.
pub const AUTH_TOKEN_CALLEE: &str = "requestvalidator";

/// Words a Twilio credential's name may hold besides `twilio` itself: generic credential
/// words, environments, and Twilio products. A name with any other word belongs to another
/// service (`SLACK_SIGNING_SECRET`, `csrf_token`).
pub const NEUTRAL_WORDS: &[&str] = &[
    "auth",
    "token",
    "tokens",
    "secret",
    "secrets",
    "key",
    "keys",
    "api",
    "account",
    "acct",
    "sid",
    "pass",
    "password",
    "passwd",
    "pwd",
    "credential",
    "credentials",
    "cred",
    "creds",
    "user",
    "username",
    "my",
    "the",
    "our",
    "prod",
    "production",
    "dev",
    "development",
    "staging",
    "stage",
    "test",
    "live",
    "primary",
    "secondary",
    "main",
    "master",
    "default",
    "env",
    "config",
    "cfg",
    "settings",
    "value",
    "val",
    "var",
    "const",
    "str",
    "rest",
    "basic",
    "sms",
    "voice",
    "messaging",
    "verify",
    "notify",
    "flex",
    "twiml",
    "phone",
    "video",
    "conversations",
    "environment",
    "environments",
    "variables",
    "vars",
    "data",
    "string",
    "parameters",
    "params",
    "options",
    "spec",
    "values",
    "global",
    // Structure around a value: JSON/YAML containers and the objects configuration is read from.
    "attributes",
    "properties",
    "fields",
    "items",
    "item",
    "instances",
    "resources",
    "outputs",
    "inputs",
    "body",
    "payload",
    "metadata",
    "annotations",
    "labels",
    "headers",
    "context",
    "ctx",
    "process",
    "os",
    "environ",
    "self",
    "this",
    "props",
    "state",
    "getenv",
];

/// Placeholder words that make a value a placeholder wherever they appear in it (as a word:
/// all lowercase, all uppercase or capitalised).
pub const PLACEHOLDER_WORDS_ANYWHERE: [&str; 12] = [
    "token",
    "secret",
    "twilio",
    "example",
    "sample",
    "dummy",
    "placeholder",
    "change",
    "replace",
    "password",
    "xxxxx",
    "account",
];

/// Short placeholder words that count only at the start of a value (`yourToken…`, `test…`).
pub const PLACEHOLDER_WORDS_AT_START: [&str; 6] = ["your", "test", "fake", "demo", "todo", "mock"];

/// Normalized key names that say "OAuth client secret" (`client_secret`, `clientSecret`,
/// `TWILIO_OAUTH_SECRET`, `setClientSecret(…)`).
pub const OAUTH_SECRET_NAMES: [&str; 2] = ["clientsecret", "oauthsecret"];

/// Words an OAuth client secret's name may hold besides the neutral ones: a name made only of
/// these, [`NEUTRAL_WORDS`] and `twilio` belongs to no other service (`GOOGLE_CLIENT_SECRET`
/// does).
pub const OAUTH_NAME_WORDS: [&str; 4] = ["client", "oauth", "app", "apps"];
