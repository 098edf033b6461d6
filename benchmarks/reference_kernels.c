/* Hand-written C reference of the ensemble kernels in src/neurorecon/simulate/ (rk4.py, dopri5.py),
 * for benchmarks/simulate.py only: the same methods, step-size controller, dense output and
 * divergence checks, for one model chosen at compile time (-DMODEL_SRK or -DMODEL_HH), parallel
 * over trajectories with OpenMP. Built by the benchmark with the system C compiler:
 *   cc -O3 -march=native -fopenmp -fPIC -shared -DMODEL_SRK reference_kernels.c -o srk.so
 * Arrays are C-contiguous float64: y (n_traj, N), params (n_traj, n_params),
 * out (n_traj, N, n_samples); counts (n_traj, 3) int64: accepted, rejected, rhs evaluations.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#if defined(MODEL_SRK)
#define N 3
/* Sherman–Rinzel–Keizer burster, as src/neurorecon/models/srk.py */
static inline void rhs(const double *y, const double *p, double *dydt) {
    double v = y[0], n = y[1], s = y[2];
    double m_inf = 1.0 / (1.0 + exp((p[8] - v) / p[9]));
    double n_inf = 1.0 / (1.0 + exp((p[10] - v) / p[11]));
    double s_inf = 1.0 / (1.0 + exp((p[12] - v) / p[13]));
    dydt[0] = (-p[0] * m_inf * (v - p[3]) - p[1] * n * (v - p[4]) - p[2] * s * (v - p[4])) / p[5];
    dydt[1] = p[7] * (n_inf - n) / p[5];
    dydt[2] = (s_inf - s) / p[6];
}
#elif defined(MODEL_HH)
#define N 4
/* Hodgkin–Huxley, as src/neurorecon/models/hh.py */
static inline double x_over_one_minus_exp(double x) {
    if (fabs(x) < 1e-6) return 1.0 + 0.5 * x + x * x / 12.0;
    return x / -expm1(-x);
}
static inline void rhs(const double *y, const double *p, double *dydt) {
    double v = y[0], m = y[1], h = y[2], n = y[3];
    double a_m = x_over_one_minus_exp((v + 40.0) / 10.0);
    double b_m = 4.0 * exp(-(v + 65.0) / 18.0);
    double a_h = 0.07 * exp(-(v + 65.0) / 20.0);
    double b_h = 1.0 / (1.0 + exp(-(v + 35.0) / 10.0));
    double a_n = 0.1 * x_over_one_minus_exp((v + 55.0) / 10.0);
    double b_n = 0.125 * exp(-(v + 65.0) / 80.0);
    double i_ion = p[1] * m * m * m * h * (v - p[4]) + p[2] * n * n * n * n * (v - p[5]) + p[3] * (v - p[6]);
    dydt[0] = (p[7] - i_ion) / p[0];
    dydt[1] = a_m * (1.0 - m) - b_m * m;
    dydt[2] = a_h * (1.0 - h) - b_h * h;
    dydt[3] = a_n * (1.0 - n) - b_n * n;
}
#else
#error "define MODEL_SRK or MODEL_HH"
#endif

void set_threads(int n) { omp_set_num_threads(n); }

static inline int check_state(const double *y, double bound) {
    int code = 0;
    for (int j = 0; j < N; j++) {
        if (!isfinite(y[j])) return 1;
        if (fabs(y[j]) > bound) code = 2;
    }
    return code;
}

void rk4_ensemble(int64_t n_traj, double *y, const double *params, int64_t n_params, int8_t *status,
                  double dt, int64_t steps_per_sample, int64_t n_samples, double bound, double *out) {
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n_traj; i++) {
        const double *p = params + i * n_params;
        double yi[N], k1[N], k2[N], k3[N], k4[N], tmp[N];
        memcpy(yi, y + i * N, sizeof yi);
        for (int64_t s = 0; s < n_samples; s++) {
            if (status[i] == 0) {
                for (int64_t k = 0; k < steps_per_sample; k++) {
                    rhs(yi, p, k1);
                    for (int j = 0; j < N; j++) tmp[j] = yi[j] + 0.5 * dt * k1[j];
                    rhs(tmp, p, k2);
                    for (int j = 0; j < N; j++) tmp[j] = yi[j] + 0.5 * dt * k2[j];
                    rhs(tmp, p, k3);
                    for (int j = 0; j < N; j++) tmp[j] = yi[j] + dt * k3[j];
                    rhs(tmp, p, k4);
                    for (int j = 0; j < N; j++) yi[j] += dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
                }
                status[i] = (int8_t)check_state(yi, bound);
            }
            for (int j = 0; j < N; j++) out[(i * N + j) * n_samples + s] = status[i] == 0 ? yi[j] : NAN;
        }
        memcpy(y + i * N, yi, sizeof yi);
    }
}

/* Dormand–Prince 5(4) from t = 0 with the starting-step heuristic, PI controller and continuous
 * extension of Hairer, Nørsett & Wanner (1993), II.4-II.6: the same algorithm as dopri5.py. */
void dopri5_ensemble(int64_t n_traj, double *y, const double *params, int64_t n_params, int8_t *status,
                     double rtol, double atol, double sample_dt, int64_t n_samples, double bound,
                     double *out, int64_t *counts) {
    const double a21 = 1.0 / 5.0, a31 = 3.0 / 40.0, a32 = 9.0 / 40.0;
    const double a41 = 44.0 / 45.0, a42 = -56.0 / 15.0, a43 = 32.0 / 9.0;
    const double a51 = 19372.0 / 6561.0, a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0, a54 = -212.0 / 729.0;
    const double a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0, a63 = 46732.0 / 5247.0, a64 = 49.0 / 176.0,
                 a65 = -5103.0 / 18656.0;
    const double b1 = 35.0 / 384.0, b3 = 500.0 / 1113.0, b4 = 125.0 / 192.0, b5 = -2187.0 / 6784.0, b6 = 11.0 / 84.0;
    const double e1 = 71.0 / 57600.0, e3 = -71.0 / 16695.0, e4 = 71.0 / 1920.0, e5 = -17253.0 / 339200.0,
                 e6 = 22.0 / 525.0, e7 = -1.0 / 40.0;
    const double d1 = -12715105075.0 / 11282082432.0, d3 = 87487479700.0 / 32700410799.0,
                 d4 = -10690763975.0 / 1880347072.0, d5 = 701980252875.0 / 199316789632.0,
                 d6 = -1453857185.0 / 822651844.0, d7 = 69997945.0 / 29380423.0;
    const double safety = 0.9, min_factor = 0.2, max_factor = 10.0, beta = 0.04, expo = 0.2 - 0.75 * beta;
    const double min_step = 1e-12 * sample_dt;
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n_traj; i++) {
        const double *p = params + i * n_params;
        double yi[N], k1[N], k2[N], k3[N], k4[N], k5[N], k6[N], k7[N], tmp[N], ynew[N], dense[5][N];
        int64_t accepted = 0, rejected = 0, evaluations = 0;
        memcpy(yi, y + i * N, sizeof yi);
        double t = 0.0, h, err_old = 1e-4, h_last = 0.0;
        int rejected_before = 0;
        rhs(yi, p, k1);
        double norm_y = 0.0, norm_f = 0.0, norm_d = 0.0;
        for (int j = 0; j < N; j++) {
            double sc = atol + rtol * fabs(yi[j]);
            norm_y += (yi[j] / sc) * (yi[j] / sc);
            norm_f += (k1[j] / sc) * (k1[j] / sc);
        }
        h = (norm_y <= 1e-10 || norm_f <= 1e-10) ? 1e-6 * sample_dt : 0.01 * sqrt(norm_y / norm_f);
        for (int j = 0; j < N; j++) tmp[j] = yi[j] + h * k1[j];
        rhs(tmp, p, k2);
        evaluations = 2;
        for (int j = 0; j < N; j++) {
            double q = (k2[j] - k1[j]) / (atol + rtol * fabs(yi[j]));
            norm_d += q * q;
        }
        double largest = fmax(sqrt(norm_d / N) / h, sqrt(norm_f / N));
        h = largest <= 1e-15 ? fmax(1e-6 * sample_dt, 1e-3 * h) : fmin(100.0 * h, pow(0.01 / largest, 0.2));
        for (int64_t s = 0; s < n_samples; s++) {
            double target = (double)(s + 1) * sample_dt;
            while (status[i] == 0 && t < target) {
                for (int j = 0; j < N; j++) tmp[j] = yi[j] + h * a21 * k1[j];
                rhs(tmp, p, k2);
                for (int j = 0; j < N; j++) tmp[j] = yi[j] + h * (a31 * k1[j] + a32 * k2[j]);
                rhs(tmp, p, k3);
                for (int j = 0; j < N; j++) tmp[j] = yi[j] + h * (a41 * k1[j] + a42 * k2[j] + a43 * k3[j]);
                rhs(tmp, p, k4);
                for (int j = 0; j < N; j++) tmp[j] = yi[j] + h * (a51 * k1[j] + a52 * k2[j] + a53 * k3[j] + a54 * k4[j]);
                rhs(tmp, p, k5);
                for (int j = 0; j < N; j++)
                    tmp[j] = yi[j] + h * (a61 * k1[j] + a62 * k2[j] + a63 * k3[j] + a64 * k4[j] + a65 * k5[j]);
                rhs(tmp, p, k6);
                for (int j = 0; j < N; j++)
                    ynew[j] = yi[j] + h * (b1 * k1[j] + b3 * k3[j] + b4 * k4[j] + b5 * k5[j] + b6 * k6[j]);
                rhs(ynew, p, k7);
                evaluations += 6;
                double total = 0.0;
                for (int j = 0; j < N; j++) {
                    double e = h * (e1 * k1[j] + e3 * k3[j] + e4 * k4[j] + e5 * k5[j] + e6 * k6[j] + e7 * k7[j]);
                    double q = e / (atol + rtol * fmax(fabs(yi[j]), fabs(ynew[j])));
                    total += q * q;
                }
                double err = sqrt(total / N);
                if (!(err <= 1.0)) {
                    rejected++;
                    h = isfinite(err) ? h / fmin(1.0 / min_factor, pow(err, expo) / safety) : h * min_factor;
                    rejected_before = 1;
                    if (h < min_step) status[i] = 1;
                    continue;
                }
                for (int j = 0; j < N; j++) {
                    double diff = ynew[j] - yi[j], slope_old = h * k1[j] - diff;
                    dense[0][j] = yi[j];
                    dense[1][j] = diff;
                    dense[2][j] = slope_old;
                    dense[3][j] = diff - h * k7[j] - slope_old;
                    dense[4][j] = h * (d1 * k1[j] + d3 * k3[j] + d4 * k4[j] + d5 * k5[j] + d6 * k6[j] + d7 * k7[j]);
                    yi[j] = ynew[j];
                    k1[j] = k7[j];
                }
                t += h;
                h_last = h;
                accepted++;
                double factor = pow(err, expo) / pow(fmax(err_old, 1e-4), beta) / safety;
                factor = fmax(1.0 / max_factor, fmin(1.0 / min_factor, factor));
                double h_new = h / factor;
                h = rejected_before ? fmin(h_new, h) : h_new;
                rejected_before = 0;
                err_old = fmax(err, 1e-4);
                status[i] = (int8_t)check_state(yi, bound);
            }
            double theta = 1.0 - (t - target) / h_last, rest = 1.0 - theta;
            for (int j = 0; j < N; j++)
                out[(i * N + j) * n_samples + s] = status[i] != 0 ? NAN
                    : dense[0][j] + theta * (dense[1][j] + rest * (dense[2][j] + theta * (dense[3][j] + rest * dense[4][j])));
        }
        memcpy(y + i * N, yi, sizeof yi);
        counts[3 * i] = accepted;
        counts[3 * i + 1] = rejected;
        counts[3 * i + 2] = evaluations;
    }
}
