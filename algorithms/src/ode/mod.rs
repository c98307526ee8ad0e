//! Time integrators, generic over the vector type, with stage temporaries in a per-step arena
//! scope so that a step performs no heap allocation.
//!
//! - [`explicit_euler`] (order 1) and [`rk4`] (order 4), fixed step;
//! - [`dopri5`]: adaptive Dormand–Prince 5(4) with error control and output at given times;
//! - [`velocity_verlet`]: symplectic, order 2, for [`SecondOrderSystem`]s;
//! - [`linear_implicit`]: backward Euler or Crank–Nicolson for stiff linear problems, solving
//!   with conjugate gradients.

mod dopri5;
mod explicit;
mod implicit;
mod stats;
mod system;
mod verlet;

pub use dopri5::{dopri5, Dopri5Params};
pub use explicit::{explicit_euler, rk4};
pub use implicit::{linear_implicit, ImplicitParams, ImplicitScheme, ShiftedOperator};
pub use stats::IntegrationStats;
pub use system::{FirstOrderForm, FnSecondOrder, FnSystem, OdeSystem, SecondOrderSystem};
pub use verlet::velocity_verlet;
