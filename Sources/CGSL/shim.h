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

#endif
