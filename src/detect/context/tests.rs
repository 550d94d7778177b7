//! Unit tests of `context`.

use super::*;

fn key(prefix: &str) -> (String, Attachment) {
    let k = key_before(prefix.as_bytes());
    (k.name, k.attachment)
}

#[test]
fn reads_keys_in_common_syntaxes() {
    use Attachment::*;
    let cases: &[(&str, &str, Attachment)] = &[
        ("TWILIO_AUTH_TOKEN=", "twilioauthtoken", Assignment),
        ("export TWILIO_AUTH_TOKEN=\"", "twilioauthtoken", Assignment),
        ("  auth_token: ", "authtoken", Assignment),
        ("  \"authToken\": \"", "authtoken", Assignment),
        ("const authToken = '", "authtoken", Assignment),
        ("$authToken = \"", "authtoken", Assignment),
        ("authToken := \"", "authtoken", Assignment),
        ("'auth_token' => '", "authtoken", Assignment),
        (":auth_token => '", "authtoken", Assignment),
        ("twilio.auth.token=", "twilioauthtoken", Assignment),
        (
            "os.environ[\"TWILIO_AUTH_TOKEN\"] = \"",
            "twilioauthtoken",
            Assignment,
        ),
        ("<authToken>", "authtoken", Assignment),
        (
            "<add key=\"TwilioAuthToken\" value=\"",
            "twilioauthtoken",
            Assignment,
        ),
        (
            "{\"name\": \"AUTH_TOKEN\", \"value\": \"",
            "authtoken",
            Assignment,
        ),
        (
            "os.getenv(\"TWILIO_AUTH_TOKEN\", \"",
            "twilioauthtoken",
            Argument,
        ),
        ("client = Client(account_sid, \"", "accountsid", Argument),
        ("Password: \"", "password", Assignment),
        ("just some prose ", "prose", Bare),
        (
            "static NSString * const kTwilioAuthToken = @\"",
            "ktwilioauthtoken",
            Assignment,
        ),
        ("  \"auth_token = \\\"", "authtoken", Assignment),
        (
            "const token = process.env.TWILIO_AUTH_TOKEN || '",
            "processenvtwilioauthtoken",
            Assignment,
        ),
        ("TOKEN=${TWILIO_AUTH_TOKEN:-", "twilioauthtoken", Assignment),
        ("$token = getenv('", "token", Assignment),
        ("auth_token = os.environ.get(\"", "authtoken", Assignment),
        (
            "String authToken = System.getenv(\"",
            "authtoken",
            Assignment,
        ),
        ("client = Client(sid, os.getenv(\"", "sid", Argument),
        ("| Auth Token | `", "authtoken", Assignment),
        ("(def auth-token \"", "authtoken", Bare),
        ("twilio_api_secret: >-", "twilioapisecret", Assignment),
        ("token = r'", "token", Assignment),
    ];
    for (prefix, name, attachment) in cases {
        assert_eq!(key(prefix), (name.to_string(), *attachment), "{prefix}");
    }
}

#[test]
fn classifies_names() {
    use NameClass::*;
    let cases = [
        ("twilioauthtoken", AuthToken),
        ("authtoken", AuthToken),
        ("twiliotoken", AuthToken),
        ("twiliopassword", AuthToken),
        ("twilioapisecret", ApiSecret),
        ("apikeysecret", ApiSecret),
        ("twiliosecret", ApiSecret),
        ("token", WeakToken),
        ("password", WeakToken),
        ("secret", WeakSecret),
        ("accountsid", AccountSidName),
        ("sid", AccountSidName),
        ("apikey", ApiKeySidName),
        ("md5", Hash),
        ("filehash", Hash),
        ("authtokensha256", Hash),
        ("requestid", Identifier),
        ("value", Other),
        ("", Other),
    ];
    for (name, class) in cases {
        assert_eq!(classify_name(name), class, "{name}");
    }
}

#[test]
fn names_of_other_services() {
    for other in [
        "SLACK_SIGNING_SECRET",
        "csrf_token",
        "DD_API_KEY",
        "idempotencyKey",
        "ZENDESK_AUTH_TOKEN",
    ] {
        assert!(names_another_service(other), "{other}");
    }
    for ours in [
        "TWILIO_AUTH_TOKEN",
        "authtoken",
        "auth_token",
        "apiKeySecret",
        "AUTH_TOKEN_PROD",
        "secret",
        "",
    ] {
        assert!(!names_another_service(ours), "{ours}");
    }
}

#[test]
fn pairs_sid_and_value_gaps() {
    assert!(gap_pairs(b":"));
    assert!(gap_pairs(b"\", \""));
    assert!(gap_pairs(b"\",\n\t\tPassword: \""));
    assert!(gap_pairs(b"\nAUTH_TOKEN="));
    assert!(!gap_pairs(b", md5="));
    assert!(!gap_pairs(b"\n\n\nAUTH_TOKEN="));
    assert!(!gap_pairs(
        b" is the account and this is the checksum of the file: "
    ));
}

#[test]
fn hash_lines() {
    assert!(line_mentions_hash(b"sha256sum: "));
    assert!(line_mentions_hash(b"\"integrity\": \""));
    assert!(!line_mentions_hash(b"TWILIO_AUTH_TOKEN="));
}
