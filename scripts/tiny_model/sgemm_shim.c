/* cblas_sgemm (LP64) forwarded to numpy's bundled OpenBLAS (ILP64, scipy_ prefix). */
typedef long long i64;
void scipy_cblas_sgemm64_(int order, int ta, int tb, i64 m, i64 n, i64 k, float alpha,
                          const float *a, i64 lda, const float *b, i64 ldb, float beta,
                          float *c, i64 ldc);

void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    scipy_cblas_sgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
