//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rvf::ops::{Strided, StridedMut};
use rvf::prelude::*;

/// A vector whose elements sit `STRIDE` apart inside a larger buffer, with junk in between:
/// the strided code paths, without needing ndarray.
#[derive(Clone, Debug)]
pub struct Spread {
    buf: Vec<f64>,
    len: usize,
}

pub const STRIDE: usize = 3;
pub const JUNK: f64 = -777.0;

impl Spread {
    pub fn new(values: &[f64]) -> Self {
        let mut buf = vec![JUNK; values.len() * STRIDE];
        for (i, &v) in values.iter().enumerate() {
            buf[i * STRIDE] = v;
        }
        Self {
            buf,
            len: values.len(),
        }
    }

    pub fn values(&self) -> Vec<f64> {
        self.buf.iter().step_by(STRIDE).copied().collect()
    }

    /// Whether the gaps between elements were left alone.
    pub fn junk_intact(&self) -> bool {
        self.buf
            .iter()
            .enumerate()
            .all(|(i, &v)| i % STRIDE == 0 || v == JUNK)
    }
}

impl RealVector for Spread {
    type Scalar = f64;
    fn local(&self) -> Local<'_, f64> {
        // SAFETY: `len` elements at stride STRIDE lie inside `buf`.
        Local::Strided(unsafe {
            Strided::from_raw_parts(self.buf.as_ptr(), self.len, STRIDE as isize)
        })
    }
}

impl RealVectorMut for Spread {
    fn local_mut(&mut self) -> LocalMut<'_, f64> {
        // SAFETY: `len` distinct elements at stride STRIDE lie inside `buf`, borrowed mutably.
        LocalMut::Strided(unsafe {
            StridedMut::from_raw_parts(self.buf.as_mut_ptr(), self.len, STRIDE as isize)
        })
    }
}

rvf::impl_arena_clone_fallback!(Spread);
