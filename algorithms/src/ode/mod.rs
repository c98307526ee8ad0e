//! Time integrators, generic over the vector type, with stage temporaries in a per-step arena
//! scope so that a step performs no heap allocation.
//!
//! | method | order | step | for |
//! | --- | --- | --- | --- |
//! | [`explicit_euler`] | 1 | fixed | teaching, very cheap right-hand sides |
//! | [`rk4`] | 4 | fixed | smooth non-stiff problems with a known step |
//! | [`dopri5`] | 5(4), dense output of order 4, events | adaptive | non-stiff problems to a tolerance |
//! | [`dop853`] | 8(5,3), dense output of order 7, events | adaptive | non-stiff problems to tight tolerances |
//! | `bdf` (feature `faer`) | 1–5, variable, dense output, events | adaptive | stiff systems: dense Jacobian (given or differenced) or matrix-free Newton–Krylov |
//! | `rodas4` (feature `faer`) | 4(3), L-stable Rosenbrock, dense output of order 3, events | adaptive | stiff systems with frequent restarts or discontinuities, dense Jacobian |
//! | [`velocity_verlet`] | 2, symplectic | fixed | mechanics `x'' = a(t, x)`, long runs |
//! | [`linear_implicit`] | 1 or 2 | fixed | stiff linear `y' = −A·y + g(t)`, `A` SPD |
//!
//! Every method integrates over a span `(t0, t1)`, leaves the state at `t1`, and returns an
//! [`IntegrationReport`]; its `_in` twin takes an arena and a monitor that sees each step
//! ([`StepProgress`]) and may stop the run; [`Workspace`](crate::Workspace) has a method for
//! each.

#[cfg(feature = "faer")]
mod bdf;
mod dense;
mod dop853;
mod dopri5;
mod euler;
mod events;
mod fixed_step;
mod implicit;
mod initial_step;
#[cfg(feature = "faer")]
mod newton;
#[cfg(feature = "faer")]
mod newton_krylov;
#[cfg(feature = "faer")]
mod newton_sparse;
mod problems;
mod report;
mod rk4;
#[cfg(feature = "faer")]
mod rodas4;
mod runge_kutta;
mod system;
mod verlet;

#[cfg(feature = "faer")]
pub use bdf::{bdf, bdf_events_in, bdf_in, BdfParams};
pub use dense::{sample_at, Interpolant};
pub use dop853::{dop853, dop853_events_in, dop853_in, Dop853Params};
pub use dopri5::{dopri5, dopri5_events, dopri5_events_in, dopri5_in, Dopri5Params};
pub use euler::{explicit_euler, explicit_euler_in};
pub use events::{Direction, Event, EventHit, EVENT_SUBINTERVALS};
pub use fixed_step::FixedStepParams;
pub use implicit::{
    linear_implicit, linear_implicit_in, Forcing, ImplicitParams, ImplicitScheme, ShiftedOperator,
};
#[cfg(feature = "faer")]
pub use newton::{finite_difference_jacobian, NewtonLinearSolver};
pub use problems::{Brusselator, Hires, Robertson, VanDerPol};
pub use report::{IntegrationReport, StepProgress};
pub use rk4::{rk4, rk4_in};
#[cfg(feature = "faer")]
pub use rodas4::{rodas4, rodas4_events_in, rodas4_in, Rodas4Params};
pub use runge_kutta::{ExplicitRkParams, StiffnessCheck, STIFFNESS_TEST_INTERVAL};
pub use system::{FirstOrderForm, FnSecondOrder, FnSystem, OdeSystem, SecondOrderSystem};
pub use verlet::{velocity_verlet, velocity_verlet_in};
