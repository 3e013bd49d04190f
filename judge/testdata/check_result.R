#!/usr/bin/env Rscript
# An independent oracle for the numbers in result.golden.json and
# api_response.golden.json: every metric's effect and its 90 % interval,
# recomputed in R from the inputs with R's own functions (acf, qt, uniroot on
# Fieller's inequality, qbeta for the exact rate interval).
#
#   cd judge/testdata && Rscript check_result.R > result_r.json
#
# The policies' allowances are restated here (alpha 0.05 in both); the Go
# test TestGoldenNumbersMatchR compares the golden files with this output.
suppressMessages(library(jsonlite))
source("../stats/testdata/lib_dependent.R")
alpha <- 0.05

pts <- function(v) { v <- unlist(lapply(v, function(x) if (is.null(x)) NA else x)); as.numeric(v) }

ratio_effect <- function(c, b) {
  a <- moments(c); m <- moments(b)
  est <- a$mean / m$mean
  df <- welch_df(a$se^2, est^2 * m$se^2, a$neff - 1, m$neff - 1)
  t <- qt(1 - alpha, df)
  g <- function(th) (a$mean - th * m$mean)^2 - t^2 * (a$se^2 + th^2 * m$se^2)
  w <- 1e3 * (abs(est) + 1)
  list(value = est, lower = uniroot(g, c(-w, est), tol = 1e-14)$root, upper = uniroot(g, c(est, w), tol = 1e-14)$root)
}

diff_effect <- function(c, b) {
  a <- moments(c); m <- moments(b)
  est <- a$mean - m$mean; se <- sqrt(a$se^2 + m$se^2)
  h <- qt(1 - alpha, welch_df(a$se^2, m$se^2, a$neff - 1, m$neff - 1)) * se
  list(value = est, lower = est - h, upper = est + h)
}

# Effective counts: events and totals divided by dispersion x variance
# factor of the Pearson residuals x (1 - rate).
effective <- function(e, n) {
  keep <- !is.na(e) & !is.na(n) & n > 0
  e <- e[keep]; n <- n[keep]
  p <- sum(e) / sum(n); q <- max(1 - p, 0.5 / sum(n))
  s <- q
  if (p > 0 && length(e) >= 2) {
    res <- (e - n * p) / sqrt(n * p * q)
    s <- max(1, sum(res^2) / (length(e) - 1)) * inflation(res) * q
  }
  c(x = sum(e) / s, n = sum(n) / s, rate = p)
}

rate_effect <- function(c, b) {
  ec <- effective(pts(c$events), pts(c$total)); eb <- effective(pts(b$events), pts(b$total))
  x <- ec[["x"]]; tot <- ec[["x"]] + eb[["x"]]
  lo <- qbeta(alpha, x, tot - x + 1); hi <- qbeta(1 - alpha, x + 1, tot - x)
  odds <- function(p) p / (1 - p) * eb[["n"]] / ec[["n"]]
  list(value = ec[["rate"]] / eb[["rate"]], lower = odds(lo), upper = odds(hi))
}

# input.json under policy.yaml
inp <- fromJSON("input.json", simplifyVector = FALSE)
out1 <- list(
  errors = rate_effect(inp$canary$errors, inp$baseline$errors),
  latency_p99 = ratio_effect(pts(inp$canary$latency_p99), pts(inp$baseline$latency_p99)),
  cpu = ratio_effect(pts(inp$canary$cpu), pts(inp$baseline$cpu)),
  checkout_success = rate_effect(inp$canary$checkout_success, inp$baseline$checkout_success)
)

# api_request.json: error_ratio is mean_diff with nan_strategy replace
req <- fromJSON("api_request.json", simplifyVector = FALSE)
zero <- function(v) { v <- pts(v); v[is.na(v)] <- 0; v }
out2 <- list(
  error_ratio = diff_effect(zero(req$canary$error_ratio), zero(req$baseline$error_ratio)),
  latency_p99 = ratio_effect(pts(req$canary$latency_p99), pts(req$baseline$latency_p99))
)

cat(toJSON(list(r_version = R.version.string, result = out1, api_response = out2), auto_unbox = TRUE, digits = I(17), pretty = TRUE), "\n")
