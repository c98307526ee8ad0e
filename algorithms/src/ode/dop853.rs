//! DOP853: Hairer's explicit Runge–Kutta method of order 8 with error estimators of orders
//! 5 and 3 and a 7th-order continuous extension.
//!
//! For smooth non-stiff problems at tight tolerances it needs far fewer evaluations than
//! Dormand–Prince 5(4) (12 per step, against 6, for steps many times longer). The
//! coefficients are Hairer's (`dop853.f`, Hairer, Nørsett & Wanner, *Solving ODEs I*,
//! §II.10), the error estimate and step control his: `err = h·e₅² / √(n·(e₅² +
//! 0.01·e₃²))`, steps grown at most 6× and cut at most 3×.

// The coefficients are written as Hairer publishes them (30 digits): the compiler rounds
// each to the nearest f64, and nobody has to check a truncation.
#![allow(clippy::excessive_precision)]

use core::ops::ControlFlow;

use rvf::arena::{ArenaClone, MemoryArena};
use rvf::ops::{kernels, Local, LocalMut};
use rvf::{Par, Real, RealVector, RealVectorMut};

use super::dense::Interpolant;
use super::events::Event;
use super::report::{IntegrationReport, StepProgress};
use super::runge_kutta::{self, work_vectors, EmbeddedPair, ExplicitRkParams, StepControl};
use super::system::OdeSystem;
use crate::error::SolverError;
use crate::no_monitor;
use crate::workspace::{arena_for, Workspace};

/// Parameters of [`dop853`]: the [`ExplicitRkParams`] every adaptive explicit method takes.
pub type Dop853Params<S> = ExplicitRkParams<S>;

/// The stage vectors k1…k16: twelve stages, k13 = f(t + h, y_new) (the next step's k1), and
/// three more stages for dense output.
const STAGES: usize = 16;

/// The nodes `c₂ … c₁₆` (`c₁ = 0`, `c₁₂ = c₁₃ = 1`).
const C: [f64; STAGES] = [
    0.0,
    0.526001519587677318785587544488e-01,
    0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510,
    0.281649658092772603273242802490,
    0.333333333333333333333333333333,
    0.25,
    0.307692307692307692307692307692,
    0.651282051282051282051282051282,
    0.6,
    0.857142857142857142857142857142,
    1.0,
    1.0,
    0.1,
    0.2,
    0.777777777777777777777777777778,
];

// The rows of the Runge–Kutta matrix, each over the stages it uses (zero entries left out).
const A2: [f64; 1] = [5.26001519587677318785587544488e-2];
const A3: [f64; 2] = [
    1.97250569845378994544595329183e-2,
    5.91751709536136983633785987549e-2,
];
/// Over k1, k3.
const A4: [f64; 2] = [
    2.95875854768068491816892993775e-2,
    8.87627564304205475450678981324e-2,
];
/// Over k1, k3, k4.
const A5: [f64; 3] = [
    2.41365134159266685502369798665e-1,
    -8.84549479328286085344864962717e-1,
    9.24834003261792003115737966543e-1,
];
/// Over k1, k4, k5.
const A6: [f64; 3] = [
    3.7037037037037037037037037037e-2,
    1.70828608729473871279604482173e-1,
    1.25467687566822425016691814123e-1,
];
/// Over k1, k4 … k6.
const A7: [f64; 4] = [
    3.7109375e-2,
    1.70252211019544039314978060272e-1,
    6.02165389804559606850219397283e-2,
    -1.7578125e-2,
];
/// Over k1, k4 … k7.
const A8: [f64; 5] = [
    3.70920001185047927108779319836e-2,
    1.70383925712239993810214054705e-1,
    1.07262030446373284651809199168e-1,
    -1.53194377486244017527936158236e-2,
    8.27378916381402288758473766002e-3,
];
/// Over k1, k4 … k8.
const A9: [f64; 6] = [
    6.24110958716075717114429577812e-1,
    -3.36089262944694129406857109825,
    -8.68219346841726006818189891453e-1,
    2.75920996994467083049415600797e1,
    2.01540675504778934086186788979e1,
    -4.34898841810699588477366255144e1,
];
/// Over k1, k4 … k9.
const A10: [f64; 7] = [
    4.77662536438264365890433908527e-1,
    -2.48811461997166764192642586468,
    -5.90290826836842996371446475743e-1,
    2.12300514481811942347288949897e1,
    1.52792336328824235832596922938e1,
    -3.32882109689848629194453265587e1,
    -2.03312017085086261358222928593e-2,
];
/// Over k1, k4 … k10.
const A11: [f64; 8] = [
    -9.3714243008598732571704021658e-1,
    5.18637242884406370830023853209,
    1.09143734899672957818500254654,
    -8.14978701074692612513997267357,
    -1.85200656599969598641566180701e1,
    2.27394870993505042818970056734e1,
    2.49360555267965238987089396762,
    -3.0467644718982195003823669022,
];
/// Over k1, k4 … k11.
const A12: [f64; 9] = [
    2.27331014751653820792359768449,
    -1.05344954667372501984066689879e1,
    -2.00087205822486249909675718444,
    -1.79589318631187989172765950534e1,
    2.79488845294199600508499808837e1,
    -2.85899827713502369474065508674,
    -8.87285693353062954433549289258,
    1.23605671757943030647266201528e1,
    6.43392746015763530355970484046e-1,
];
/// The 8th-order weights, over k1, k6 … k12.
const B: [f64; 8] = [
    5.42937341165687622380535766363e-2,
    4.45031289275240888144113950566,
    1.89151789931450038304281599044,
    -5.8012039600105847814672114227,
    3.1116436695781989440891606237e-1,
    -1.52160949662516078556178806805e-1,
    2.01365400804030348374776537501e-1,
    4.47106157277725905176885569043e-2,
];
/// The 5th-order error weights, over k1, k6 … k12.
const E5: [f64; 8] = [
    0.1312004499419488073250102996e-1,
    -0.1225156446376204440720569753e1,
    -0.4957589496572501915214079952,
    0.1664377182454986536961530415e1,
    -0.3503288487499736816886487290,
    0.3341791187130174790297318841,
    0.8192320648511571246570742613e-1,
    -0.2235530786388629525884427845e-1,
];
/// The 3rd-order error weights (`B` less the 3rd-order weights at k1, k9 and k12), over
/// k1, k6 … k12.
const E3: [f64; 8] = {
    let mut e = B;
    e[0] -= 0.244094488188976377952755905512;
    e[4] -= 0.733846688281611857341361741547;
    e[7] -= 0.220588235294117647058823529412e-1;
    e
};
/// The extra stages for dense output. k14 over k1, k7 … k13.
const A14: [f64; 8] = [
    5.61675022830479523392909219681e-2,
    2.53500210216624811088794765333e-1,
    -2.46239037470802489917441475441e-1,
    -1.24191423263816360469010140626e-1,
    1.5329179827876569731206322685e-1,
    8.20105229563468988491666602057e-3,
    7.56789766054569976138603589584e-3,
    -8.298e-3,
];
/// k15 over k1, k6 … k8, k11 … k14.
const A15: [f64; 8] = [
    3.18346481635021405060768473261e-2,
    2.83009096723667755288322961402e-2,
    5.35419883074385676223797384372e-2,
    -5.49237485713909884646569340306e-2,
    -1.08347328697249322858509316994e-4,
    3.82571090835658412954920192323e-4,
    -3.40465008687404560802977114492e-4,
    1.41312443674632500278074618366e-1,
];
/// k16 over k1, k6 … k9, k13 … k15.
const A16: [f64; 8] = [
    -4.28896301583791923408573538692e-1,
    -4.69762141536116384314449447206,
    7.68342119606259904184240953878,
    4.06898981839711007970213554331,
    3.56727187455281109270669543021e-1,
    -1.39902416515901462129418009734e-3,
    2.9475147891527723389556272149,
    -9.15095847217987001081870187138,
];
/// The coefficients of the 7th-order continuous extension's last four terms, each over k1,
/// k6 … k16.
const D: [[f64; 12]; 4] = [
    [
        -0.84289382761090128651353491142e1,
        0.56671495351937776962531783590,
        -0.30689499459498916912797304727e1,
        0.23846676565120698287728149680e1,
        0.21170345824450282767155149946e1,
        -0.87139158377797299206789907490,
        0.22404374302607882758541771650e1,
        0.63157877876946881815570249290,
        -0.88990336451333310820698117400e-1,
        0.18148505520854727256656404962e2,
        -0.91946323924783554000451984436e1,
        -0.44360363875948939664310572000e1,
    ],
    [
        0.10427508642579134603413151009e2,
        0.24228349177525818288430175319e3,
        0.16520045171727028198505394887e3,
        -0.37454675472269020279518312152e3,
        -0.22113666853125306036270938578e2,
        0.77334326684722638389603898808e1,
        -0.30674084731089398182061213626e2,
        -0.93321305264302278729567221706e1,
        0.15697238121770843886131091075e2,
        -0.31139403219565177677282850411e2,
        -0.93529243588444783865713862664e1,
        0.35816841486394083752465898540e2,
    ],
    [
        0.19985053242002433820987653617e2,
        -0.38703730874935176555105901742e3,
        -0.18917813819516756882830838328e3,
        0.52780815920542364900561016686e3,
        -0.11573902539959630126141871134e2,
        0.68812326946963000169666922661e1,
        -0.10006050966910838403183860980e1,
        0.77771377980534432092869265740,
        -0.27782057523535084065932004339e1,
        -0.60196695231264120758267380846e2,
        0.84320405506677161018159903784e2,
        0.11992291136182789328035130030e2,
    ],
    [
        -0.25693933462703749003312586129e2,
        -0.15418974869023643374053993627e3,
        -0.23152937917604549567536039109e3,
        0.35763911791061412378285349910e3,
        0.93405324183624310003907691704e2,
        -0.37458323136451633156875139351e2,
        0.10409964950896230045147246184e3,
        0.29840293426660503123344363579e2,
        -0.43533456590011143754432175058e2,
        0.96324553959188282948394950600e2,
        -0.39177261675615439165231486172e2,
        -0.14972683625798562581422125276e3,
    ],
];

/// Integrates `y' = f(t, y)` over `t_span` by DOP853, leaving `y` at the end time, in a
/// fresh arena; see [`dop853_in`] for a monitor that sees every step (and may stop the run)
/// or another arena.
///
/// Steps are chosen as in Hairer's `dop853`: with `sc = abs_tol + rel_tol·max(|yᵢ|, |ŷᵢ|)`
/// and `e₅`, `e₃` the scaled differences to the embedded 5th- and 3rd-order solutions, a
/// step is accepted when `h·‖e₅‖² / √(n·(‖e₅‖² + 0.01·‖e₃‖²)) ≤ 1`. An accepted step costs
/// twelve evaluations (the last one is the next step's first), a rejected one eleven; dense
/// output three more per step. All stage vectors are allocated once.
///
/// ```
/// use rvf_algorithms::ode::{dop853, Dop853Params, FnSystem};
/// let osc = FnSystem::new(2, |_t: f64, y: &[f64], dy: &mut [f64]| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// });
/// let mut y = vec![1.0, 0.0];
/// let params = Dop853Params { rel_tol: 1e-12, abs_tol: 1e-14, ..Default::default() };
/// let report = dop853(&osc, (0.0, 20.0), &mut y, &params).unwrap();
/// assert_eq!(report.t, 20.0);
/// assert!((y[0] - 20.0_f64.cos()).abs() < 1e-11);
/// assert!(report.evaluations < 1500);
/// ```
///
/// # Errors
/// [`SolverError::InvalidParameter`] for negative tolerances (or both zero), a span that is
/// not finite and ascending, a non-positive step limit; [`SolverError::DimensionMismatch`];
/// [`SolverError::NonFiniteInput`]; [`SolverError::StepSizeUnderflow`] when the step needed
/// falls below the resolution of `t`; [`SolverError::MaxStepsExceeded`];
/// [`SolverError::NonFiniteState`]; [`SolverError::ProblemIsStiff`] when asked for;
/// [`SolverError::Arena`].
pub fn dop853<S, F, V>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dop853Params<S>,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
{
    let arena = arena_for(
        work_vectors(STAGES),
        y.local().len(),
        core::mem::size_of::<S>(),
    );
    dop853_in(system, t_span, y, params, &arena, no_monitor!())
}

impl Workspace {
    /// [`dop853`] with this workspace's arena.
    ///
    /// # Errors
    /// As [`dop853`].
    pub fn dop853<S, F, V>(
        &mut self,
        system: &F,
        t_span: (S, S),
        y: &mut V,
        params: &Dop853Params<S>,
    ) -> Result<IntegrationReport<S>, SolverError>
    where
        S: Real,
        F: OdeSystem<S> + ?Sized,
        V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    {
        dop853_in(
            system,
            t_span,
            y,
            params,
            self.arena_for_solve(),
            no_monitor!(),
        )
    }
}

/// [`dop853`] in `arena`, with a monitor called after every accepted step (time, step size,
/// state and, with [`dense_output`](ExplicitRkParams::dense_output), the step's 7th-order
/// interpolant) that may stop the run by returning [`ControlFlow::Break`].
///
/// # Errors
/// As [`dop853`].
pub fn dop853_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dop853Params<S>,
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, &[], arena, &mut monitor)
}

/// [`dop853`] with events located on the 7th-order dense output (see [`Event`]), in
/// `arena`, with a monitor; as [`dopri5_events_in`](super::dopri5_events_in).
///
/// # Errors
/// As [`dop853`].
pub fn dop853_events_in<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dop853Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    mut monitor: M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    run(system, t_span, y, params, events, arena, &mut monitor)
}

fn run<S, F, V, M>(
    system: &F,
    t_span: (S, S),
    y: &mut V,
    params: &Dop853Params<S>,
    events: &[Event<'_, S>],
    arena: &MemoryArena,
    monitor: &mut M,
) -> Result<IntegrationReport<S>, SolverError>
where
    S: Real,
    F: OdeSystem<S> + ?Sized,
    V: RealVectorMut<Scalar = S> + ArenaClone + ?Sized,
    M: FnMut(&StepProgress<'_, S, V>) -> ControlFlow<()>,
{
    runge_kutta::run::<Dop853, _, _, _, _, STAGES>(
        system, t_span, y, params, events, arena, monitor,
    )
}

/// `out = inputs[0] + h·Σⱼ weights[j−1]·inputs[j]`: a stage input (or a solution) from the
/// step's start and the stages it uses, in one sweep.
fn combine<S, W, const M: usize>(par: Par, out: &mut W, h: S, inputs: [&W; M], weights: &[f64])
where
    S: Real,
    W: RealVectorMut<Scalar = S>,
{
    debug_assert_eq!(weights.len() + 1, M);
    let w: [S; M] = core::array::from_fn(|j| {
        if j == 0 {
            S::zero()
        } else {
            S::from_f64_lossy(weights[j - 1])
        }
    });
    par.zip(out, inputs, move |o, v| {
        let mut sum = w[1] * v[1];
        for j in 2..M {
            sum += w[j] * v[j];
        }
        *o = v[0] + h * sum;
    });
}

/// Hairer's DOP853.
struct Dop853;

impl<S: Real> EmbeddedPair<S, STAGES> for Dop853 {
    const NAME: &'static str = "dop853";
    const INITIAL_STEP_ORDER: usize = 7;
    const CONTROL: StepControl = StepControl {
        exponent: 1.0 / 8.0,
        min_factor: 0.333,
        max_factor: 6.0,
    };
    const FSAL: usize = 12;
    const STIFF_BOUND: f64 = 6.1;
    type Step<'a>
        = Dop853Step<'a, S>
    where
        S: 'a;

    fn attempt<F, Y, W>(
        system: &F,
        par: Par,
        t: S,
        h: S,
        y: &Y,
        k: &mut [W; STAGES],
        stage: &mut W,
        y_new: &mut W,
        spare: &mut W,
        (rtol, atol): (S, S),
    ) -> (S, usize)
    where
        F: OdeSystem<S> + ?Sized,
        Y: RealVector<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        let f = S::from_f64_lossy;
        let at = |i: usize| t + f(C[i]) * h;
        // The start as a stage vector, so that every combination below is one sweep over
        // vectors of one type.
        par.copy(spare, y);
        let y0 = &*spare;
        let [k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, ..] = k;
        combine(par, stage, h, [y0, k1], &A2);
        system.rhs_local(at(1), stage.local(), k2.local_mut());
        combine(par, stage, h, [y0, k1, k2], &A3);
        system.rhs_local(at(2), stage.local(), k3.local_mut());
        combine(par, stage, h, [y0, k1, k3], &A4);
        system.rhs_local(at(3), stage.local(), k4.local_mut());
        combine(par, stage, h, [y0, k1, k3, k4], &A5);
        system.rhs_local(at(4), stage.local(), k5.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5], &A6);
        system.rhs_local(at(5), stage.local(), k6.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5, k6], &A7);
        system.rhs_local(at(6), stage.local(), k7.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5, k6, k7], &A8);
        system.rhs_local(at(7), stage.local(), k8.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5, k6, k7, k8], &A9);
        system.rhs_local(at(8), stage.local(), k9.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5, k6, k7, k8, k9], &A10);
        system.rhs_local(at(9), stage.local(), k10.local_mut());
        combine(par, stage, h, [y0, k1, k4, k5, k6, k7, k8, k9, k10], &A11);
        system.rhs_local(at(10), stage.local(), k11.local_mut());
        combine(
            par,
            stage,
            h,
            [y0, k1, k4, k5, k6, k7, k8, k9, k10, k11],
            &A12,
        );
        system.rhs_local(at(11), stage.local(), k12.local_mut());
        let solution_stages = [&*k1, &*k6, &*k7, &*k8, &*k9, &*k10, &*k11, &*k12];
        combine(par, y_new, h, [y0, k1, k6, k7, k8, k9, k10, k11, k12], &B);

        // The scaled error terms, into stage vectors the step no longer needs.
        let (e5, e3) = (E5.map(f), E3.map(f));
        let [k1, k6, k7, k8, k9, k10, k11, k12] = solution_stages;
        let inputs = [y0, &*y_new, k1, k6, k7, k8, k9, k10, k11, k12];
        for (out, weights) in [(&mut *k2, e5), (&mut *k3, e3)] {
            par.zip(out, inputs, move |e, v| {
                let scale = atol + rtol * v[0].abs().max(v[1].abs());
                let mut sum = weights[0] * v[2];
                for j in 1..8 {
                    sum += weights[j] * v[j + 2];
                }
                *e = sum / scale;
            });
        }
        let err5 = par.l2norm_squared(&*k2);
        let err3 = par.l2norm_squared(&*k3);
        let denominator = err5 + f(0.01) * err3;
        let denominator = if denominator > S::zero() {
            denominator
        } else {
            S::one()
        };
        let n = S::from_usize_lossy(y.dimension().max(1));
        (h * err5 / (n * denominator).sqrt(), 11)
    }

    fn complete<F, W>(system: &F, t: S, h: S, y_new: &W, k: &mut [W; STAGES]) -> usize
    where
        F: OdeSystem<S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        system.rhs_local(t + h, y_new.local(), k[12].local_mut());
        1
    }

    fn prepare_dense<F, Y, W>(
        system: &F,
        par: Par,
        t: S,
        h: S,
        y: &Y,
        stage: &mut W,
        k: &mut [W; STAGES],
    ) -> usize
    where
        F: OdeSystem<S> + ?Sized,
        Y: RealVector<Scalar = S> + ?Sized,
        W: RealVectorMut<Scalar = S>,
    {
        let f = S::from_f64_lossy;
        let at = |i: usize| t + f(C[i]) * h;
        let [k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15, k16] = k;
        // k2 … k5 are free: the start goes into k2, then the coefficients into k2 … k5.
        par.copy(k2, y);
        let y0 = &*k2;
        combine(
            par,
            stage,
            h,
            [y0, k1, k7, k8, k9, k10, k11, k12, k13],
            &A14,
        );
        system.rhs_local(at(13), stage.local(), k14.local_mut());
        combine(
            par,
            stage,
            h,
            [y0, k1, k6, k7, k8, k11, k12, k13, k14],
            &A15,
        );
        system.rhs_local(at(14), stage.local(), k15.local_mut());
        combine(par, stage, h, [y0, k1, k6, k7, k8, k9, k13, k14, k15], &A16);
        system.rhs_local(at(15), stage.local(), k16.local_mut());
        let stages = [
            &*k1, &*k6, &*k7, &*k8, &*k9, &*k10, &*k11, &*k12, &*k13, &*k14, &*k15, &*k16,
        ];
        for (out, d) in [k2, k3, k4, k5].into_iter().zip(D) {
            let d = d.map(f);
            par.zip(out, stages, move |o, v| {
                let mut sum = d[0] * v[0];
                for j in 1..12 {
                    sum += d[j] * v[j];
                }
                *o = h * sum;
            });
        }
        3
    }

    fn step<'a>(
        t0: S,
        end: S,
        h: S,
        y0: Local<'a, S>,
        y1: Local<'a, S>,
        k: [Local<'a, S>; STAGES],
    ) -> Dop853Step<'a, S> {
        Dop853Step {
            t0,
            end,
            h,
            y0,
            y1,
            k1: k[0],
            k13: k[12],
            d: [k[1], k[2], k[3], k[4]],
        }
    }
}

/// One accepted step's 7th-order continuous extension (Hairer's `CONTD8`): from the states
/// at both ends, the first and last stages, and the four coefficient vectors computed from
/// the stages once per step.
#[derive(Clone, Copy)]
struct Dop853Step<'a, S> {
    t0: S,
    /// Where the step's usable part ends: its end, or a terminal event inside it.
    end: S,
    h: S,
    y0: Local<'a, S>,
    y1: Local<'a, S>,
    k1: Local<'a, S>,
    k13: Local<'a, S>,
    d: [Local<'a, S>; 4],
}

impl<S: Real> Interpolant<S> for Dop853Step<'_, S> {
    fn interval(&self) -> (S, S) {
        (self.t0, self.end)
    }

    fn interpolate_local(&self, t: S, out: LocalMut<'_, S>) {
        let h = self.h;
        if t == self.t0 {
            return kernels::zip_mut(out, self.y0, |o, v| *o = v);
        }
        if t == self.t0 + h {
            return kernels::zip_mut(out, self.y1, |o, v| *o = v);
        }
        let s = (t - self.t0) / h;
        let s1 = S::one() - s;
        let [d4, d5, d6, d7] = self.d;
        let inputs = [self.y0, self.y1, self.k1, self.k13, d4, d5, d6, d7];
        kernels::zip_many_mut(out, inputs, |o, [y0, y1, k1, k13, d4, d5, d6, d7]| {
            let ydiff = y1 - y0;
            let bspl = h * k1 - ydiff;
            let c3 = ydiff - h * k13 - bspl;
            let tail = d4 + s * (d5 + s1 * (d6 + s * d7));
            *o = y0 + s * (ydiff + s1 * (bspl + s * (c3 + s1 * tail)));
        });
    }
}
