//! The quickstart `vdx demo` prints: URLs, then commands that work as pasted
//! (bash and curl only) and what each returns. A test runs these very lines.

use std::fmt::Write;
use std::path::Path;

use super::world::{Credentials, Example};
use crate::run_error::RunError;

fn graphql_call(base: &str, example: &Example) -> String {
    format!(
        r#"curl -s {base}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{{"query":"{{ vehicle(vin: \"{vin}\", product: \"{product}\", purpose: \"{purpose}\") {{ vin latest {{ signals {{ path value observedAt }} withheld }} }} }}"}}'"#,
        vin = example.vin,
        product = example.product,
        purpose = example.purpose,
    )
}

/// Renders the quickstart for a running demo; the example's partner must be
/// among the credentials.
pub fn quickstart(
    creds: &Credentials,
    port: u16,
    credentials_file: Option<&Path>,
) -> Result<String, RunError> {
    let base = &creds.base_url;
    let mut out = String::new();
    let partner = creds
        .partners
        .iter()
        .find(|p| p.name == creds.examples.consented.partner)
        .ok_or_else(|| {
            RunError::usage(format!(
                "the demo's example partner {} has no credentials",
                creds.examples.consented.partner
            ))
        })?;
    let _ = writeln!(
        out,
        "vdx demo is running at {base} (port {port}). Stop it with Ctrl-C.\n"
    );
    let _ = writeln!(out, "URLs");
    let _ = writeln!(
        out,
        "  GraphQL        {base}/graphql   (POST queries; open it in a browser for GraphiQL)"
    );
    let _ = writeln!(
        out,
        "  REST docs      {base}/docs/     (Swagger UI; the document is {base}/openapi.json)"
    );
    let _ = writeln!(
        out,
        "  OAuth metadata {base}/.well-known/oauth-authorization-server"
    );
    let _ = writeln!(
        out,
        "  Health         {base}/healthz  {base}/readyz  {base}/metrics"
    );
    let _ = writeln!(
        out,
        "  Driver portal  {base}/portal    (sign in as a driver below)"
    );
    let _ = writeln!(
        out,
        "  Admin console  {base}/admin     (sign in with the OEM admin client below)"
    );
    let _ = writeln!(out, "  Marketplace    {base}/marketplace");
    let _ = writeln!(out);
    let _ = writeln!(out, "Partners (client_credentials)");
    let partners = creds.partners.iter().map(|p| (p.name.as_str(), p));
    for (name, p) in partners.chain([("OEM admin", &creds.admin)]) {
        let (id, scopes) = (&p.client_id, p.scopes.join(" "));
        let _ = writeln!(out, "  {name:<20} client_id={id} scopes={scopes}");
    }
    let _ = writeln!(out, "Drivers");
    for d in &creds.drivers {
        let _ = writeln!(
            out,
            "  {:<8} password={} vehicles={}",
            d.username,
            d.password,
            d.vehicles.len()
        );
    }
    match credentials_file {
        Some(path) => {
            let _ = writeln!(out, "All secrets are in {}.", path.display());
        }
        None => {
            let _ = writeln!(
                out,
                "Run with --credentials-out FILE to get every secret as JSON."
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Try it (bash; paste one line at a time)");
    let examples = &creds.examples;
    let c = &examples.consented;
    // The consented vehicle's REST resources, with the product and purpose of its consent.
    let consented = |resource: &str| {
        format!(
            "{base}/v1/vehicles/{}/{resource}?product={}&purpose={}",
            c.vin, c.product, c.purpose
        )
    };
    // Each step: what it shows, then the command that shows it.
    let steps = [
        (
            format!(
                "{} gets an access token (client_credentials) and keeps it in $TOKEN:",
                partner.name
            ),
            format!(
                r#"RESPONSE=$(curl -s -u '{id}:{secret}' -d grant_type=client_credentials {base}/oauth/token); echo "$RESPONSE"; TOKEN=$(echo "$RESPONSE" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"#,
                id = partner.client_id,
                secret = partner.client_secret,
            ),
        ),
        (
            format!(
                "Consented: the latest charging data of {} (alice's car, consent active):",
                c.vin
            ),
            graphql_call(base, c),
        ),
        (
            format!(
                "Denied: carol revoked her consent for {}; the answer is a NO_CONSENT error:",
                examples.revoked.vin
            ),
            graphql_call(base, &examples.revoked),
        ),
        (
            format!(
                "Denied the same way: {} does not exist, and the answer does not tell:",
                examples.unknown_vin.vin
            ),
            graphql_call(base, &examples.unknown_vin),
        ),
        (
            "The same consented read over REST:".to_owned(),
            format!(
                r#"curl -s -H "authorization: Bearer $TOKEN" '{}'"#,
                consented("latest")
            ),
        ),
        (
            "Start charging alice's car: the command is queued for the car (its id goes to $CMD):".to_owned(),
            format!(
                r#"RESPONSE=$(curl -s -X POST -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'Idempotency-Key: quickstart-start-charging' -d '{{"actuator":"Vehicle.Powertrain.TractionBattery.Charging.StartStopCharging","value":"START"}}' '{}'); echo "$RESPONSE"; CMD=$(echo "$RESPONSE" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')"#,
                consented("commands"),
            ),
        ),
        (
            "Follow it: the car picks it up (delivered) and carries it out (executed) within about 10 s; repeat to watch:".to_owned(),
            format!(r#"curl -s -H "authorization: Bearer $TOKEN" {base}/v1/commands/$CMD"#),
        ),
    ];
    for (n, (shows, command)) in steps.iter().enumerate() {
        let _ = writeln!(out, "# {}. {shows}", n + 1);
        let _ = writeln!(out, "{command}");
    }
    Ok(out)
}
