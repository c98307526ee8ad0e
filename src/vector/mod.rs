//! Concrete vector types: the standard containers and [`StackVector`].

mod stack;
mod std_impls;
mod views;

pub use stack::{CapacityError, StackVector};
