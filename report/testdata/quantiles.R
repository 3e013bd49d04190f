# Reference quantiles for report.QuantilesOf: R's default quantile()
# (type 7) at 0, .25, .5, .75, 1 and the mean, for a few vectors (ties,
# odd and even lengths, one point, negative values).
# Run: Rscript quantiles.R > quantiles_r.json
cases <- list(
  c(3.1, 0.2, 5.5, 2.2, 9.0, 4.4, 1.0),
  c(1, 1, 2, 2, 2, 7, 8, 8),
  c(42),
  c(-0.5, 0.25, -3, 12.75, 0, 0.001),
  c(0.002, 0, 0.004, 0.01, 0.006, 0, 0.002, 0.008, 0.012, 0.004)
)
out <- sapply(cases, function(x) {
  q <- quantile(x, c(0, .25, .5, .75, 1), names = FALSE)
  sprintf('{"x":[%s],"q":[%s],"mean":%.17g}', paste(sprintf("%.17g", x), collapse = ","),
          paste(sprintf("%.17g", q), collapse = ","), mean(x))
})
cat("[", paste(out, collapse = ",\n"), "]\n", sep = "")
