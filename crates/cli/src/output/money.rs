//! Tables of money: balances, statements, transfers, invoices.

use super::{page, t, table, usd, who};
use megawatt_api::{BalanceView, InvoiceView, Page, TransferView};
use serde::Serialize;

/// A balance.
pub fn balance(b: &BalanceView) {
    println!(
        "{}  balance {}  credit limit {}  available {}",
        who(&b.participant),
        usd(&b.balance),
        usd(&b.credit_limit),
        usd(&b.available)
    );
    println!(
        "  open bids reserve {}  owed (payable) {}  owed to it (receivable) {}",
        usd(&b.open_bids),
        usd(&b.owed),
        usd(&b.receivable)
    );
}

/// A statement: the balance, the latest invoices and the period's transfers (three
/// answers, shown as one).
#[derive(Serialize)]
pub struct Statement {
    /// The balance.
    pub balance: BalanceView,
    /// The latest invoices, payable and receivable.
    pub invoices: Page<InvoiceView>,
    /// The period's transfers.
    pub transfers: Page<TransferView>,
}

/// A statement: the balance, invoices payable and receivable, and the period's
/// transfers.
pub fn statement(v: &Statement) {
    balance(&v.balance);
    let me = &v.balance.participant;
    for (title, payer) in [("you pay", true), ("you are paid", false)] {
        let rows: Vec<&InvoiceView> = v
            .invoices
            .items
            .iter()
            .filter(|i| {
                if payer {
                    &i.payer == me
                } else {
                    &i.payee == me
                }
            })
            .collect();
        let unpaid = rows.iter().filter(|i| i.status != "paid").count();
        println!(
            "\nInvoices {title} (latest {}, {unpaid} unpaid):",
            rows.len()
        );
        let rows: Vec<Vec<String>> = rows.into_iter().map(invoice_row).collect();
        table(&INVOICE_HEADERS, &rows);
    }
    println!("\nTransfers:");
    page(&v.transfers, &TRANSFER_HEADERS, transfer_row);
}

/// One transfer as a row.
pub fn transfer_row(x: &TransferView) -> Vec<String> {
    vec![
        x.id.clone(),
        t(&megawatt_engine::units::Hour::containing(x.time_ms).to_string()),
        x.kind.clone(),
        who(&x.debit),
        who(&x.credit),
        usd(&x.amount),
        x.reference.clone(),
    ]
}

/// Headers of [`transfer_row`].
pub const TRANSFER_HEADERS: [&str; 7] = [
    "id",
    "hour",
    "kind",
    "debit",
    "credit",
    "amount",
    "reference",
];

/// A transfer just recorded.
pub fn transfer(x: &TransferView) {
    table(&TRANSFER_HEADERS, &[transfer_row(x)]);
}

/// One invoice as a row.
pub fn invoice_row(i: &InvoiceView) -> Vec<String> {
    vec![
        i.id.clone(),
        i.contract.clone(),
        i.charge.clone(),
        format!("{} -> {}", t(&i.period_start), t(&i.period_end)),
        usd(&i.amount),
        who(&i.payer),
        who(&i.payee),
        t(&i.due),
        i.status.clone(),
    ]
}

/// Headers of [`invoice_row`].
pub const INVOICE_HEADERS: [&str; 9] = [
    "id", "contract", "charge", "period", "amount", "payer", "payee", "due", "status",
];

/// One invoice, with its lines.
pub fn invoice(i: &InvoiceView) {
    println!(
        "{}  {} of {}  {}  {}",
        i.id,
        i.charge,
        i.contract,
        usd(&i.amount),
        i.status
    );
    println!("  payer -> payee   {} -> {}", who(&i.payer), who(&i.payee));
    println!(
        "  period          {} -> {}",
        t(&i.period_start),
        t(&i.period_end)
    );
    println!("  due             {}", t(&i.due));
    if let Some(d) = &i.delivery_credit {
        println!(
            "  charged         {}, credited {}, net {}",
            usd(&i.charged),
            usd(&i.credited),
            usd(&i.amount)
        );
        println!(
            "  delivery        {} of {} GPU-hours delivered ({}), {} unreported; credit {} pro-rata + {} tier",
            d.delivered_gpu_hours,
            d.contracted_gpu_hours,
            super::pct(d.availability_bps),
            d.unreported_gpu_hours,
            usd(&d.pro_rata),
            usd(&d.tier)
        );
    }
    let rows: Vec<Vec<String>> = i
        .lines
        .iter()
        .map(|l| {
            let line = l.line.map_or("fee".into(), |n| n.to_string());
            vec![
                if l.credit {
                    format!("{line} credit")
                } else {
                    line
                },
                l.pool.clone(),
                l.gpus.to_string(),
                super::opt(&l.gpu_hours),
                usd(&l.amount),
            ]
        })
        .collect();
    table(&["line", "pool", "gpus", "gpu-hours", "amount"], &rows);
}
