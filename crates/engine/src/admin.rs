//! Handlers that shape the market rather than trade on it: participants, the model
//! catalog, facilities with their pools, and owners' reservations.

use crate::catalog::{GpuModel, is_valid_slug};
use crate::command::PoolSpec;
use crate::engine::{Ctx, Engine, Role, check_free, check_gpus, check_name, check_window};
use crate::entities::{Facility, Pool, Reservation, Roles};
use crate::event::{Event, ReservationEnd};
use crate::ids::{FacilityId, ModelIdx, PoolId, RegionIdx, ReservationId, take};
use crate::limits::{
    MAX_FACILITIES, MAX_FACILITIES_PER_OWNER, MAX_PARTICIPANTS, MAX_POWER_KW, MAX_REGIONS,
    MAX_RESERVATIONS_PER_POOL,
};
use crate::limits::{MAX_MODELS, MAX_WATTS_PER_GPU};
use crate::reject::{Rejection, Rule, reject};
use crate::step::StepFn;
use crate::units::Window;

impl Engine {
    /// Refuses (`already_exists`) a name another participant has, compared trimmed and
    /// without regard to case ([`crate::command::Command::AdmitParticipant`]).
    pub(crate) fn check_unused_name(&self, name: &str) -> Result<(), Rejection> {
        let key = name.trim().to_lowercase();
        if let Some(p) = self
            .participants
            .values()
            .find(|p| p.name.trim().to_lowercase() == key)
        {
            return reject(
                Rule::AlreadyExists,
                "name",
                format!("{} is already called {:?}; names are unique", p.id, p.name),
            );
        }
        Ok(())
    }

    pub(crate) fn create_participant(
        &mut self,
        ctx: &Ctx,
        name: &str,
        roles: Roles,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Operator, "only the operator may do this")?;
        check_name(name, "name")?;
        if !(roles.provider || roles.buyer || roles.operator) {
            return reject(
                Rule::InvalidRoles,
                "roles",
                "a participant needs at least one role: provider, buyer or operator",
            );
        }
        if self.participants.len() >= MAX_PARTICIPANTS {
            return reject(
                Rule::LimitReached,
                "name",
                format!("the exchange holds at most {MAX_PARTICIPANTS} participants"),
            );
        }
        let p = self.push_participant(name.to_string(), roles);
        events.push(Event::ParticipantCreated(p));
        Ok(())
    }

    pub(crate) fn add_model(
        &mut self,
        ctx: &Ctx,
        id: &str,
        name: &str,
        watts_per_gpu: u32,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Operator, "only the operator may do this")?;
        if !is_valid_slug(id) {
            return reject(
                Rule::InvalidName,
                "id",
                format!(
                    "model id {id:?} must be 1 to 32 characters of a-z, 0-9 and '-', not starting with '-'"
                ),
            );
        }
        if self.model_index.contains_key(id) {
            return reject(
                Rule::AlreadyExists,
                "id",
                format!("model {id} is already in the catalog"),
            );
        }
        check_name(name, "name")?;
        if !(1..=MAX_WATTS_PER_GPU).contains(&watts_per_gpu) {
            return reject(
                Rule::OutOfRange,
                "watts_per_gpu",
                format!("watts per GPU {watts_per_gpu} must be between 1 and {MAX_WATTS_PER_GPU}"),
            );
        }
        if self.models.len() >= MAX_MODELS {
            return reject(
                Rule::LimitReached,
                "id",
                format!("the catalog holds at most {MAX_MODELS} models"),
            );
        }
        let model = self.push_model(GpuModel {
            id: id.to_string(),
            name: name.to_string(),
            watts_per_gpu,
        });
        events.push(Event::ModelAdded { model });
        Ok(())
    }

    pub(crate) fn create_facility(
        &mut self,
        ctx: &Ctx,
        name: &str,
        region: &str,
        power_kw: u64,
        pools: &[PoolSpec],
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        ctx.require(Role::Provider, "only providers register facilities")?;
        check_name(name, "name")?;
        if !is_valid_slug(region) {
            return reject(
                Rule::InvalidName,
                "region",
                format!("region {region:?} must be 1 to 32 characters of a-z, 0-9 and '-'"),
            );
        }
        if !(1..=MAX_POWER_KW).contains(&power_kw) {
            return reject(
                Rule::OutOfRange,
                "power_kw",
                format!("power {power_kw} kW must be between 1 and {MAX_POWER_KW}"),
            );
        }
        let models = self.check_pools(pools, power_kw)?;
        let owner = self.participants.get(&ctx.actor).expect("actor exists");
        if self.facilities.len() >= MAX_FACILITIES {
            return reject(
                Rule::LimitReached,
                "name",
                format!("the exchange holds at most {MAX_FACILITIES} facilities"),
            );
        }
        if owner.facilities >= MAX_FACILITIES_PER_OWNER {
            return reject(
                Rule::LimitReached,
                "name",
                format!("a participant owns at most {MAX_FACILITIES_PER_OWNER} facilities"),
            );
        }
        if !self.region_index.contains_key(region) && self.regions.len() >= MAX_REGIONS {
            return reject(
                Rule::LimitReached,
                "region",
                format!("the exchange has at most {MAX_REGIONS} regions"),
            );
        }
        // Validated: now change.
        let region = self.intern_region(region);
        let id = FacilityId(take(&mut self.ids.facility));
        let mut pool_ids = Vec::with_capacity(pools.len());
        let mut pool_events = Vec::with_capacity(pools.len());
        for (spec, model) in pools.iter().zip(models) {
            let pool = Pool {
                id: PoolId(take(&mut self.ids.pool)),
                facility: id,
                owner: ctx.actor,
                region,
                model,
                gpus: spec.gpus,
                used: StepFn::new(),
                reservations: 0,
            };
            pool_ids.push(pool.id);
            pool_events.push(Event::PoolCreated {
                pool: pool.id,
                facility: id,
                model,
                gpus: spec.gpus,
            });
            self.pools.insert(pool.id, pool);
        }
        let facility = Facility {
            id,
            owner: ctx.actor,
            name: name.to_string(),
            region,
            power_kw,
            pools: pool_ids,
        };
        self.facilities.insert(id, facility.clone());
        self.participants
            .get_mut(&ctx.actor)
            .expect("actor exists")
            .facilities += 1;
        events.push(Event::FacilityCreated(facility));
        events.extend(pool_events);
        Ok(())
    }

    /// Validates a facility's pools: known models, one pool per model, GPU counts, and
    /// that their power fits the facility's. Returns each pool's model.
    fn check_pools(&self, pools: &[PoolSpec], power_kw: u64) -> Result<Vec<ModelIdx>, Rejection> {
        if pools.is_empty() {
            return reject(
                Rule::OutOfRange,
                "pools",
                "a facility needs at least one pool",
            );
        }
        if pools.len() > self.models.len() {
            return reject(
                Rule::AlreadyExists,
                "pools",
                "a facility has at most one pool per GPU model",
            );
        }
        let mut models = Vec::with_capacity(pools.len());
        let mut watts: u64 = 0;
        for spec in pools {
            let (idx, model) = self.known_model(&spec.model, "pools.model")?;
            if models.contains(&idx) {
                return reject(
                    Rule::AlreadyExists,
                    "pools.model",
                    format!(
                        "two pools for model {}; a facility has one pool per model",
                        spec.model
                    ),
                );
            }
            check_gpus(spec.gpus, "pools.gpus")?;
            models.push(idx);
            // Bounded: at most 256 pools x 1e7 GPUs x 1e5 W < 2^64.
            watts += u64::from(spec.gpus) * u64::from(model.watts_per_gpu);
        }
        let budget_w = power_kw * 1_000;
        if watts > budget_w {
            return reject(
                Rule::PowerExceeded,
                "pools.gpus",
                format!(
                    "the pools draw {} kW (GPUs x server watts per GPU) but the facility has {power_kw} kW",
                    watts.div_ceil(1_000)
                ),
            );
        }
        Ok(models)
    }

    fn intern_region(&mut self, name: &str) -> RegionIdx {
        if let Some(&idx) = self.region_index.get(name) {
            return idx;
        }
        let idx = RegionIdx(u16::try_from(self.regions.len()).expect("regions are bounded"));
        self.regions.push(name.to_string());
        self.region_index.insert(name.to_string(), idx);
        idx
    }

    pub(crate) fn reserve(
        &mut self,
        ctx: &Ctx,
        pool_id: PoolId,
        gpus: u32,
        window: Window,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let pool = self.owned_pool(ctx, pool_id, "pool")?;
        check_gpus(gpus, "gpus")?;
        check_window(&window, ctx.now)?;
        if pool.reservations >= MAX_RESERVATIONS_PER_POOL {
            return reject(
                Rule::LimitReached,
                "pool",
                format!("a pool has at most {MAX_RESERVATIONS_PER_POOL} live reservations"),
            );
        }
        check_free(pool, gpus, &window, "gpus")?;
        let res = Reservation {
            id: ReservationId(take(&mut self.ids.reservation)),
            pool: pool_id,
            owner: ctx.actor,
            gpus,
            window,
        };
        let pool = self.pools.get_mut(&pool_id).expect("checked above");
        pool.used.add(window, gpus);
        pool.reservations += 1;
        self.schedule.reservation_ends.insert((window.end, res.id));
        self.reservations.insert(res.id, res.clone());
        events.push(Event::Reserved(res));
        Ok(())
    }

    pub(crate) fn release(
        &mut self,
        ctx: &Ctx,
        id: ReservationId,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let owner = self.reservations.get(&id).map(|r| r.owner);
        let refusal = (Rule::UnknownReservation, "reservation");
        ctx.require_owner(owner, refusal, format_args!("live reservation {id}"))?;
        self.end_reservation(id, ReservationEnd::Released, events);
        Ok(())
    }

    /// Removes a live reservation and gives its capacity back to the pool.
    pub(crate) fn end_reservation(
        &mut self,
        id: ReservationId,
        reason: ReservationEnd,
        events: &mut Vec<Event>,
    ) {
        let res = self.reservations.remove(&id).expect("live reservation");
        let pool = self
            .pools
            .get_mut(&res.pool)
            .expect("pool of a reservation");
        pool.used.sub(res.window, res.gpus);
        pool.reservations -= 1;
        let found = self.schedule.reservation_ends.remove(&(res.window.end, id));
        debug_assert!(found);
        events.push(Event::ReservationEnded {
            reservation: id,
            reason,
        });
    }

    /// The pool `id`, if it exists and the actor owns it.
    pub(crate) fn owned_pool(
        &self,
        ctx: &Ctx,
        id: PoolId,
        field: &'static str,
    ) -> Result<&Pool, Rejection> {
        let Some(pool) = self.pools.get(&id) else {
            return reject(Rule::UnknownPool, field, format!("no pool {id}"));
        };
        if pool.owner != ctx.actor {
            return reject(
                Rule::NotOwner,
                field,
                format!("pool {id} belongs to another participant"),
            );
        }
        Ok(pool)
    }
}
