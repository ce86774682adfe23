/*
 * CGSL shim: the parts of GSL that PathwayModel uses.
 *
 * GSL exposes its ODE stepper types as global `const gsl_odeiv2_step_type *`
 * variables. Swift 6 treats imported mutable globals as shared mutable state
 * and rejects them under strict concurrency, so each stepper type is exposed
 * here through a `static inline` accessor instead. This module provides no
 * stable API: it is an implementation detail of PathwayModel/ODE/Internals.
 */
#ifndef PATHWAYMODEL_CGSL_SHIM_H
#define PATHWAYMODEL_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_complex.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <stdlib.h>

static inline const gsl_odeiv2_step_type *cgsl_step_rk2(void) { return gsl_odeiv2_step_rk2; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk4(void) { return gsl_odeiv2_step_rk4; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkck(void) { return gsl_odeiv2_step_rkck; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk1imp(void) { return gsl_odeiv2_step_rk1imp; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk2imp(void) { return gsl_odeiv2_step_rk2imp; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk4imp(void) { return gsl_odeiv2_step_rk4imp; }
static inline const gsl_odeiv2_step_type *cgsl_step_bsimp(void) { return gsl_odeiv2_step_bsimp; }
static inline const gsl_odeiv2_step_type *cgsl_step_msadams(void) { return gsl_odeiv2_step_msadams; }
static inline const gsl_odeiv2_step_type *cgsl_step_msbdf(void) { return gsl_odeiv2_step_msbdf; }

/* The version string of the GSL library linked at run time. */
static inline const char *cgsl_version(void) { return gsl_version; }

/*
 * Singular value decomposition of the row-major m x n matrix a (m >= n), overwritten with U:
 * singular values into s (n, descending), right singular vectors into v (row-major n x n, one
 * vector per column). Returns a GSL status (GSL_ENOMEM when the work vector cannot be allocated).
 */
static inline int cgsl_svd(double *a, size_t m, size_t n, double *s, double *v) {
  gsl_matrix_view A = gsl_matrix_view_array(a, m, n);
  gsl_matrix_view V = gsl_matrix_view_array(v, n, n);
  gsl_vector_view S = gsl_vector_view_array(s, n);
  gsl_vector *work = gsl_vector_alloc(n);
  if (work == NULL) return GSL_ENOMEM;
  int status = gsl_linalg_SV_decomp(&A.matrix, &V.matrix, &S.vector, work);
  gsl_vector_free(work);
  return status;
}

/*
 * Eigenvalues of the row-major n x n real matrix a (overwritten): real parts into re, imaginary
 * parts into im (n each). Returns a GSL status (GSL_EMAXITER when the QR iteration did not converge).
 */
static inline int cgsl_eigenvalues(double *a, size_t n, double *re, double *im) {
  gsl_matrix_view A = gsl_matrix_view_array(a, n, n);
  gsl_vector_complex *values = gsl_vector_complex_alloc(n);
  gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(n);
  if (values == NULL || w == NULL) {
    if (values != NULL) gsl_vector_complex_free(values);
    if (w != NULL) gsl_eigen_nonsymm_free(w);
    return GSL_ENOMEM;
  }
  int status = gsl_eigen_nonsymm(&A.matrix, values, w);
  for (size_t i = 0; i < n; i++) {
    gsl_complex z = gsl_vector_complex_get(values, i);
    re[i] = GSL_REAL(z);
    im[i] = GSL_IMAG(z);
  }
  gsl_eigen_nonsymm_free(w);
  gsl_vector_complex_free(values);
  return status;
}


/*
 * Non-linear least squares (gsl_multifit_nlinear, trust region with Levenberg-Marquardt steps
 * and More scaling): a handle holding the workspace and the callbacks, whose global method type
 * Swift cannot read directly. f fills the n residuals at x, df the n x p Jacobian; both return
 * GSL_SUCCESS or an error status (a failed evaluation), params is passed through.
 */
typedef int (*cgsl_nlinear_f)(const gsl_vector *x, void *params, gsl_vector *f);
typedef int (*cgsl_nlinear_df)(const gsl_vector *x, void *params, gsl_matrix *J);
typedef struct {
  gsl_multifit_nlinear_workspace *w;
  gsl_multifit_nlinear_fdf fdf;
} cgsl_nlinear;

/* A handle started at x0 (p values); NULL with *status set when allocation or the first
 * evaluation fails. */
static inline cgsl_nlinear *cgsl_nlinear_new(size_t n, size_t p, cgsl_nlinear_f f, cgsl_nlinear_df df, void *params,
                                             const double *x0, int *status) {
  cgsl_nlinear *h = (cgsl_nlinear *)malloc(sizeof(cgsl_nlinear));
  if (h == NULL) { *status = GSL_ENOMEM; return NULL; }
  gsl_multifit_nlinear_parameters parameters = gsl_multifit_nlinear_default_parameters();
  h->w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &parameters, n, p);
  if (h->w == NULL) { free(h); *status = GSL_ENOMEM; return NULL; }
  h->fdf.f = f;
  h->fdf.df = df;
  h->fdf.fvv = NULL;
  h->fdf.n = n;
  h->fdf.p = p;
  h->fdf.params = params;
  gsl_vector_const_view x = gsl_vector_const_view_array(x0, p);
  *status = gsl_multifit_nlinear_init(&x.vector, &h->fdf, h->w);
  if (*status != GSL_SUCCESS) {
    gsl_multifit_nlinear_free(h->w);
    free(h);
    return NULL;
  }
  return h;
}

static inline void cgsl_nlinear_free(cgsl_nlinear *h) {
  if (h == NULL) return;
  gsl_multifit_nlinear_free(h->w);
  free(h);
}

/* One trust-region iteration (GSL_ENOPROG when no step reduced the cost). */
static inline int cgsl_nlinear_iterate(cgsl_nlinear *h) { return gsl_multifit_nlinear_iterate(h->w); }

/* GSL's convergence test: 1 small step (xtol), 2 small gradient (gtol), 0 not yet. */
static inline int cgsl_nlinear_test(cgsl_nlinear *h, double xtol, double gtol, double ftol, int *info) {
  return gsl_multifit_nlinear_test(xtol, gtol, ftol, info, h->w);
}

/* Copies the current position (p), residuals (n) and Jacobian (row-major n x p). */
static inline void cgsl_nlinear_state(cgsl_nlinear *h, double *x, double *f, double *J) {
  gsl_vector *gx = gsl_multifit_nlinear_position(h->w);
  gsl_vector *gf = gsl_multifit_nlinear_residual(h->w);
  gsl_matrix *gJ = gsl_multifit_nlinear_jac(h->w);
  size_t n = gf->size, p = gx->size;
  for (size_t j = 0; j < p; j++) x[j] = gsl_vector_get(gx, j);
  for (size_t i = 0; i < n; i++) f[i] = gsl_vector_get(gf, i);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < p; j++) J[i * p + j] = gsl_matrix_get(gJ, i, j);
}

static inline size_t cgsl_nlinear_evaluations(cgsl_nlinear *h) { return h->fdf.nevalf; }
static inline size_t cgsl_nlinear_jacobian_evaluations(cgsl_nlinear *h) { return h->fdf.nevaldf; }


#endif
