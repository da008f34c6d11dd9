//! The GPU model catalog: ids, names and server power per GPU, used to check that a
//! facility's pools fit its power. Defaults follow `shared/scenarios/gpu-models.md`;
//! the operator can add models. Models are never removed, so their indexes are stable.

use crate::ids::{ModelIdx, RegionIdx};
use serde::{Deserialize, Serialize};

/// A GPU model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuModel {
    /// Short id used in commands, e.g. `"h100-sxm"`.
    pub id: String,
    /// Human name, e.g. `"NVIDIA H100 SXM 80GB"`.
    pub name: String,
    /// Server power per GPU in watts (whole server's maximum power / its GPUs).
    pub watts_per_gpu: u32,
}

/// The models every new exchange starts with.
pub fn default_models() -> Vec<GpuModel> {
    [
        ("h100-sxm", "NVIDIA H100 SXM 80GB", 1_275),
        ("h200", "NVIDIA H200 SXM 141GB", 1_275),
        ("b200", "NVIDIA B200", 1_790),
        ("gb200", "NVIDIA GB200 (NVL72 rack)", 1_670),
        ("mi300x", "AMD Instinct MI300X", 1_250),
    ]
    .into_iter()
    .map(|(id, name, watts_per_gpu)| GpuModel {
        id: id.to_string(),
        name: name.to_string(),
        watts_per_gpu,
    })
    .collect()
}

/// True when `id` is a valid model id or region name: 1 to 32 characters of lowercase
/// ASCII letters, digits and `-`, starting with a letter or digit.
pub fn is_valid_slug(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// What the indexes in events mean: every model and region the engine knew when this
/// was taken, by index. Both lists only grow (models and regions are never removed or
/// renumbered), so names taken after an event can read it, and a later `Names` extends
/// an earlier one. It comes with each committed batch, so nothing that reads events
/// needs the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// The model catalog, by [`ModelIdx`].
    pub models: Vec<GpuModel>,
    /// Region names, by [`RegionIdx`].
    pub regions: Vec<String>,
}

impl Names {
    /// A model by index. Panics on an index the engine never gave out before these
    /// names were taken (a broken invariant: names are taken after the events).
    pub fn model(&self, idx: ModelIdx) -> &GpuModel {
        &self.models[usize::from(idx.0)]
    }

    /// A model's id (`h100-sxm`).
    pub fn model_id(&self, idx: ModelIdx) -> &str {
        &self.model(idx).id
    }

    /// A region's name. Panics on an index never given out (as [`Names::model`]).
    pub fn region(&self, idx: RegionIdx) -> &str {
        &self.regions[usize::from(idx.0)]
    }
}
