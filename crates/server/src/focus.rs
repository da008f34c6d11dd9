//! The FinOps Foundation's FOCUS 1.0 billing export: a month's charges as CSV, one row
//! per contract line and charge. Usage of a monthly-fee contract is split over its lines
//! by GPU-hours (largest remainder, so the rows add up to the invoice exactly); a
//! per-GPU-hour contract's lines are priced each; an early-termination fee is one row; a
//! delivery credit on a term contract's month is a row per line short, `ChargeCategory`
//! `Credit`, at a negative cost.
//!
//! Besides the 42 FOCUS 1.0 columns (`COLUMNS`) the file has `ChargeType` (equal to
//! `ChargeCategory`): validator 1.0.0's `SkuPriceId_Nullable` rule still reads that
//! pre-1.0 column and fails without it.

use megawatt_engine::units::{Hour, usd_string};
use megawatt_store::StoreError;
use megawatt_store::limits::EXPORT_INVOICES_MAX;
use megawatt_store::reader::Reader;
use std::collections::BTreeMap;

/// The category of a delivery credit's row.
const CREDIT: &str = "Credit";

/// One charge: a contract line's share of an invoice, a fee, or a delivery credit.
#[derive(Clone, Debug)]
pub struct Charge {
    /// The payer (`p-3`) and its name.
    pub payer: (String, String),
    /// The seller's name (issuer, provider, publisher).
    pub seller: String,
    /// The month billed.
    pub month: (Hour, Hour),
    /// `Usage`, `Purchase` (an early-termination fee) or `Credit` (a delivery credit,
    /// at a negative cost).
    pub category: &'static str,
    /// `Recurring` (monthly fee), `Usage-Based` (per GPU-hour) or `One-Time`.
    pub frequency: &'static str,
    /// Words.
    pub description: String,
    /// The hours charged.
    pub period: (Hour, Hour),
    /// GPU-hours (usage).
    pub gpu_hours: Option<u64>,
    /// Cost, micro-USD.
    pub cost_micros: i64,
    /// Price per GPU-hour, micro-USD (per-GPU-hour contracts).
    pub unit_price_micros: Option<i64>,
    /// The facility's region.
    pub region: String,
    /// The contract (`ctr-1`) and the line's name.
    pub resource: (String, String),
    /// The GPU model.
    pub sku: String,
    /// The contract line (`ctr-1/0`).
    pub sku_price: String,
    /// The invoice (`inv-4`).
    pub invoice: String,
}

/// The columns, in order.
const COLUMNS: [&str; 42] = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuer",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "Provider",
    "Publisher",
    "RegionId",
    "RegionName",
    "ResourceID",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
];

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An hour as FOCUS wants a date-time: RFC 3339 in UTC.
fn time(h: Hour) -> String {
    h.to_string()
}

/// The CSV of `charges`, with its header.
pub fn csv(charges: &[Charge]) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str(",ChargeType\n");
    for c in charges {
        let cost = usd_string(c.cost_micros);
        // Consumed: usage only (a credit's GPU-hours were not delivered).
        let usage_hours = c.gpu_hours.filter(|_| c.category == "Usage");
        let consumed = usage_hours
            .map(|q| format!("{q}.000000"))
            .unwrap_or_default();
        let consumed_unit = if usage_hours.is_some() {
            "GPU-Hours"
        } else {
            ""
        };
        // Priced per GPU-hour: GPU-hours at the price. A credit has no quantity or
        // unit price (FOCUS keeps them for usage and purchases; prices are never
        // negative). Otherwise (a monthly fee's share, a fee) one unit at the cost, so
        // unit price x quantity = cost exactly.
        let (quantity, unit_name, unit) = match (c.gpu_hours, c.unit_price_micros) {
            _ if c.category == CREDIT => (String::new(), "", String::new()),
            (Some(h), Some(p)) => (format!("{h}.000000"), "GPU-Hours", usd_string(p)),
            _ => ("1.000000".to_string(), "Units", cost.clone()),
        };
        let tags = format!(
            "{{\"invoice\": \"{}\", \"contract\": \"{}\"}}",
            c.invoice, c.resource.0
        );
        let row: [String; 43] = [
            cost.clone(),
            c.payer.0.clone(),
            c.payer.1.clone(),
            "USD".into(),
            time(c.month.1),
            time(c.month.0),
            c.category.into(),
            String::new(),
            c.description.clone(),
            c.frequency.into(),
            time(c.period.1),
            time(c.period.0),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            consumed,
            consumed_unit.into(),
            cost.clone(),
            unit.clone(),
            cost.clone(),
            c.seller.clone(),
            cost,
            unit,
            "Standard".into(),
            quantity,
            unit_name.into(),
            c.seller.clone(),
            c.seller.clone(),
            c.region.clone(),
            c.region.clone(),
            c.resource.0.clone(),
            c.resource.1.clone(),
            "GPU capacity contract".into(),
            "Compute".into(),
            "GPU capacity".into(),
            c.sku.clone(),
            c.sku_price.clone(),
            String::new(),
            String::new(),
            tags,
            c.category.into(),
        ];
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Names of participants and places of pools, read once per export.
#[derive(Default)]
struct Lookups {
    names: BTreeMap<u64, String>,
    pools: BTreeMap<u64, (String, String)>,
}

impl Lookups {
    fn name(&mut self, r: &mut Reader, p: u64) -> Result<String, StoreError> {
        if let Some(n) = self.names.get(&p) {
            return Ok(n.clone());
        }
        let n = r.participant_name(p)?;
        self.names.insert(p, n.clone());
        Ok(n)
    }

    fn pool(&mut self, r: &mut Reader, pool: u64) -> Result<(String, String), StoreError> {
        if let Some(place) = self.pools.get(&pool) {
            return Ok(place.clone());
        }
        let place = r.pool_place(pool)?;
        self.pools.insert(pool, place.clone());
        Ok(place)
    }
}

/// The charges of `month` that `party` pays (`None`: everyone's), from the tables;
/// `None` when the month has more than [`EXPORT_INVOICES_MAX`] invoices.
pub fn charges(
    r: &mut Reader,
    party: Option<megawatt_engine::ids::ParticipantId>,
    month: (Hour, Hour),
) -> Result<Option<Vec<Charge>>, StoreError> {
    let invoices = r.month_invoices(party, (month.0.0, month.1.0))?;
    if invoices.len() > EXPORT_INVOICES_MAX {
        return Ok(None);
    }
    // Read after the invoices: every contract they bill is there (contracts are
    // never deleted).
    let contracts = r.month_contracts(party, (month.0.0, month.1.0))?;
    let mut out = Vec::new();
    let mut look = Lookups::default();
    for record in invoices {
        let inv = &record.invoice;
        let Some(c) = contracts.get(&inv.contract.0) else {
            continue;
        };
        let payer = (inv.payer.to_string(), look.name(r, inv.payer.0)?);
        let seller = look.name(r, c.seller.0)?;
        let contract = c.id.to_string();
        let base = |i: usize,
                    pool: u64,
                    r: &mut Reader,
                    look: &mut Lookups|
         -> Result<Charge, StoreError> {
            let (model, region) = look.pool(r, pool)?;
            Ok(Charge {
                payer: payer.clone(),
                seller: seller.clone(),
                month,
                category: "Usage",
                frequency: "Recurring",
                description: String::new(),
                period: (inv.period.start, inv.period.end),
                gpu_hours: None,
                cost_micros: 0,
                unit_price_micros: None,
                region,
                resource: (contract.clone(), format!("{contract} line {i}")),
                sku: model,
                sku_price: format!("{contract}/{i}"),
                invoice: inv.id.to_string(),
            })
        };
        for l in &record.lines {
            let mut row = base(usize::from(l.line.unwrap_or(0)), l.pool.0, r, &mut look)?;
            row.cost_micros = l.amount_micros;
            match (l.line, l.gpu_hours) {
                (Some(i), Some(h)) if l.amount_micros < 0 => {
                    row.category = CREDIT;
                    row.frequency = "One-Time";
                    row.gpu_hours = Some(h);
                    row.description = format!(
                        "delivery credit, {contract} line {i}: {h} GPU-hours not delivered"
                    );
                    row.sku_price = format!("{contract}/{i}/credit");
                }
                (Some(i), Some(h)) => {
                    row.gpu_hours = Some(h);
                    row.unit_price_micros = c.pricing.price_micros();
                    if row.unit_price_micros.is_some() {
                        row.frequency = "Usage-Based";
                    }
                    row.description = format!("{contract} line {i}: {} {} GPUs", l.gpus, row.sku);
                }
                _ => {
                    row.category = "Purchase";
                    row.frequency = "One-Time";
                    row.description = format!("early-termination fee, {contract}");
                    row.sku_price = format!("{contract}/fee");
                    // Charged in the hour it was invoiced (the notice's).
                    let issued = Hour::containing(inv.issued_ms);
                    row.period = (issued, Hour(issued.0 + 1));
                }
            }
            out.push(row);
        }
    }
    Ok(Some(out))
}
