//! `mw serve` runs the exchange (and says how to reach it on a first start); `mw audit`
//! checks a store.

use crate::args::{AuditArgs, ServeArgs};
use crate::client::Failure;

/// `mw audit`: prints a summary; exit 1 on any violation.
pub fn audit(args: &AuditArgs) -> Result<(), Failure> {
    let location = args.store.location();
    let r = megawatt_store::audit::audit(&location, args.every).map_err(|e| Failure::usage(e.0))?;
    println!(
        "audited {location}: {} commands replayed, {} invariant checks, {} snapshots compared, {} trades, {} contracts, {} live orders, {} index values recomputed",
        r.commands, r.checks, r.snapshots, r.trades, r.contracts, r.live_orders, r.index_values
    );
    for (seq, what) in &r.violations {
        if *seq > 0 {
            println!("violation at seq {seq}: {what}");
        } else {
            println!("violation: {what}");
        }
    }
    if r.violation_count > 0 {
        return Err(Failure::local(format!("{} violations", r.violation_count)));
    }
    println!("ok: no violation");
    Ok(())
}

/// `mw serve`: runs until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Runtime::new().map_err(|e| Failure::local(e.to_string()))?;
    rt.block_on(async {
        let config = megawatt_server::Config {
            listen: args.listen,
            store: args.store.location(),
            standby: args.standby,
            demo: args.demo,
            rate_limit: args.rate_limit,
            snapshot_every: args.snapshot_every,
            manual_clock: args.manual_clock,
            month_close_grace_hours: args.month_close_grace_hours,
            webhooks: megawatt_server::webhooks::WebhookConfig {
                allow_private: args.webhooks_allow_private,
                retry_base_ms: args.webhook_retry_base_ms,
                ..Default::default()
            },
        };
        let running = megawatt_server::start(config)
            .await
            .map_err(|e| Failure::local(e.0))?;
        print_first_start(&running, &args);
        running
            .run_until(megawatt_server::shutdown_signal())
            .await
            .map_err(|e| Failure::local(e.0))
    })
}

/// A demo participant's shell variable: the first word of its name in capitals
/// (`Frontier Lab` is `FRONTIER`).
fn shell_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or("KEY")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

fn print_first_start(running: &megawatt_server::Running, args: &ServeArgs) {
    let url = format!("http://{}", running.addr);
    println!(
        "Megawatt is serving at {url} (store: {})",
        args.store.location()
    );
    let first = &running.first_start;
    if let Some(k) = &first.operator_key {
        println!("\nOperator key (shown once; keep it safe):\n  export MW_URL={url} MW_TOKEN={k}");
    }
    if !first.demo.is_empty() {
        println!("\nDemo participants (keys shown once):");
        for (name, id, key) in &first.demo {
            println!("  {name:<18} {id:<5} MW_TOKEN={key}");
        }
        // One line to paste: each key in a variable named for its participant, as the
        // README's walk-through uses them (`export MW_TOKEN=$ACME`).
        let mut vars = format!("export MW_URL={url}");
        if let Some(k) = &first.operator_key {
            vars.push_str(&format!(" OPERATOR={k}"));
        }
        for (name, _, key) in &first.demo {
            vars.push_str(&format!(" {}={key}", shell_name(name)));
        }
        println!("\nEvery key in a shell variable (paste into another terminal):\n  {vars}");
        println!(
            "\nThen try (the README has the whole walk-through):\n  export MW_TOKEN=$FRONTIER\n  mw contract show {}    (the 300 MW lease)\n  export MW_TOKEN=$ACME\n  mw book -m h100-sxm\n  mw buy -m h100-sxm -n 64 -s tomorrow -d 24h -p 2.50",
            first.demo_lease.as_deref().unwrap_or("ctr-1")
        );
    }
}
