#!/usr/bin/env Rscript
# Reference values for judge/stats from GNU R's wilcox.test (two-sample).
#
#   cd judge/stats/testdata && Rscript gen.R > wilcox_r.json
#
# Output: {"r_version", "datasets": {name: {x, y}}, "cases": [...]}. Every
# case names a dataset, the options passed to wilcox.test and what R returned
# (or the error it raised). Numbers are written with 17 significant digits so
# they round-trip to the same float64; non-finite values are the strings
# "NaN", "Inf" and "-Inf".
set.seed(20240603)

num <- function(v) {
  if (is.null(v) || length(v) == 0) return("null")
  if (is.na(v)) return('"NaN"')
  if (is.infinite(v)) return(if (v > 0) '"Inf"' else '"-Inf"')
  sprintf("%.17g", v)
}
vec <- function(v) paste0("[", paste(vapply(v, num, ""), collapse = ","), "]")
str <- function(s) paste0('"', gsub('"', "'", gsub("\n", " ", s)), '"')

datasets <- list()
add <- function(name, x, y) datasets[[name]] <<- list(x = x, y = y)

# Exact-method data: continuous, no ties, both samples under 50.
add("tiny_4_4", c(10, 20, 30, 40), c(1, 2, 3, 4))
add("one_one", 1.5, 0.25)
add("one_vs_9", 0.7, round(rnorm(9), 6))
add("9_vs_one", round(rnorm(9), 6), 0.7)
add("exact_5_4", c(1.1, 2.3, 0.5, 4.4, 5.1), c(0.2, 0.9, 1.7, 2.2))
add("exact_12_10", rnorm(12, 0.5), rnorm(10))
add("exact_30_40", rnorm(30, 0.3), rnorm(40))
add("exact_49_49", rnorm(49, 0.2), rnorm(49))
add("exact_49_3", rnorm(49), rnorm(3, 1))
add("exact_separated", rnorm(20, 100), rnorm(25))
add("exact_60_55", rnorm(60, 0.1), rnorm(55))
add("exact_1e9", 1e9 + round(rnorm(20, 500, 1000), 3), 1e9 + round(rnorm(18, 0, 1000), 3))

# Normal-method data: ties, zeros, larger samples.
add("ties_small", c(1, 2, 2, 3, 3, 3, 4), c(2, 2, 3, 5, 5, 6))
add("ties_int_40", sample(0:6, 40, TRUE), sample(1:7, 35, TRUE))
add("one_vs_ties", 3, c(1, 2, 2, 3, 4, 4, 5))
add("ties_vs_one", c(1, 2, 2, 3, 4, 4, 5), 2)
err <- function(n, p, rate) ifelse(runif(n) < p, 0, round(rexp(n, 1 / rate), 4))
add("zeros_60", err(60, 0.8, 0.02), err(60, 0.85, 0.01))
add("zeros_300", err(300, 0.9, 0.05), err(300, 0.9, 0.03))
add("zeros_mostly", c(rep(0, 95), 0.01, 0.02, 0.02, 0.5, 1), c(rep(0, 98), 0.01, 0.03))
add("normal_80_70", rnorm(80, 0.25), rnorm(70))
add("lognormal_1000", rlnorm(1000, log(120), 0.5), rlnorm(1000, log(115), 0.5))
add("lognormal_1000_same", rlnorm(1000, 3, 1), rlnorm(1000, 3, 1))
add("latency_ms_1000", round(rlnorm(1000, log(80), 0.6)), round(rlnorm(1000, log(78), 0.6)))
add("scale_1e9_200", 1e9 + round(rnorm(200, 300, 1000)), 1e9 + round(rnorm(200, 0, 1000)))
add("separated_1000", rnorm(1000, 50), rnorm(1000))
add("const_vs_const", rep(2, 5), rep(1, 4))
add("all_tied", rep(3, 6), rep(3, 5))

cases <- character()
run <- function(ds, alternative = "two.sided", mu = 0, conf.level = 0.95,
                exact = "auto", correct = TRUE) {
  d <- datasets[[ds]]
  ex <- switch(exact, auto = NULL, exact = TRUE, normal = FALSE)
  r <- tryCatch(suppressWarnings(wilcox.test(d$x, d$y, alternative = alternative, mu = mu,
                                             conf.level = conf.level, exact = ex,
                                             correct = correct, conf.int = TRUE)),
                error = function(e) e)
  opts <- sprintf('"alternative":%s,"mu":%s,"conf_level":%s,"exact":%s,"correct":%s',
                  str(sub("two.sided", "two-sided", alternative)), num(mu), num(conf.level),
                  str(exact), if (correct) "true" else "false")
  if (inherits(r, "error")) {
    # Repeat without the interval: the statistic and p-value may still exist.
    r2 <- suppressWarnings(wilcox.test(d$x, d$y, alternative = alternative, mu = mu,
                                       exact = ex, correct = correct))
    out <- sprintf('"W":%s,"p_value":%s,"method":%s,"r_error":%s',
                   num(r2$statistic), num(r2$p.value),
                   str(if (grepl("exact", r2$method)) "exact" else "normal"),
                   str(conditionMessage(r)))
  } else {
    out <- sprintf('"W":%s,"p_value":%s,"estimate":%s,"conf_int":%s,"achieved_conf_level":%s,"method":%s',
                   num(r$statistic), num(r$p.value), num(r$estimate), vec(r$conf.int),
                   num(attr(r$conf.int, "conf.level")),
                   str(if (grepl("exact", r$method)) "exact" else "normal"))
  }
  cases <<- c(cases, sprintf('{"dataset":%s,%s,%s}', str(ds), opts, out))
}

alts <- c("two.sided", "greater", "less")
for (ds in c("tiny_4_4", "one_one", "one_vs_9", "9_vs_one", "exact_5_4", "exact_12_10",
             "exact_30_40", "exact_49_49", "exact_49_3", "exact_separated", "exact_1e9")) {
  for (a in alts) for (cl in c(0.8, 0.95, 0.99)) run(ds, a, conf.level = cl)
  run(ds, "two.sided", mu = 0.5)
  run(ds, "greater", mu = -0.25, conf.level = 0.9)
  run(ds, "two.sided", exact = "normal")
  run(ds, "less", exact = "normal", correct = FALSE, conf.level = 0.9)
}
for (a in alts) run("exact_60_55", a, exact = "exact")
run("exact_60_55", "two.sided")
run("exact_30_40", "two.sided", conf.level = 0.3)
run("exact_30_40", "greater", conf.level = 0.3)
run("exact_49_49", "two.sided", conf.level = 0.999)

for (ds in c("ties_small", "ties_int_40", "one_vs_ties", "ties_vs_one", "zeros_60", "zeros_300",
             "zeros_mostly", "normal_80_70", "lognormal_1000", "lognormal_1000_same",
             "latency_ms_1000", "scale_1e9_200", "separated_1000")) {
  for (a in alts) for (cl in c(0.9, 0.95, 0.98)) run(ds, a, conf.level = cl)
  for (a in alts) run(ds, a, correct = FALSE)
  run(ds, "two.sided", mu = 1)
  run(ds, "greater", mu = -0.5, conf.level = 0.8)
  d <- datasets[[ds]]
  if (any(duplicated(c(d$x, d$y)))) run(ds, "two.sided", exact = "exact") # R falls back to normal
}
run("ties_int_40", "two.sided", mu = 1, correct = FALSE)
run("zeros_mostly", "less", conf.level = 0.5)
run("scale_1e9_200", "two.sided", mu = 250)
# One-sided 50% intervals: W equals the quantile 0 on a whole stretch.
run("ties_small", "greater", conf.level = 0.5, correct = FALSE)
run("ties_int_40", "less", conf.level = 0.5, correct = FALSE)
run("exact_5_4", "greater", conf.level = 0.5, exact = "normal", correct = FALSE)
run("9_vs_one", "greater", conf.level = 0.5, exact = "normal")
run("exact_12_10", "less", conf.level = 0.5)
for (a in alts) run("const_vs_const", a)
for (a in alts) run("all_tied", a)
run("all_tied", "two.sided", correct = FALSE)

ds_json <- vapply(names(datasets), function(n)
  sprintf('%s:{"x":%s,"y":%s}', str(n), vec(datasets[[n]]$x), vec(datasets[[n]]$y)), "")
cat('{"r_version":', str(R.version.string), ',\n"datasets":{\n', paste(ds_json, collapse = ",\n"),
    '},\n"cases":[\n', paste(cases, collapse = ",\n"), "\n]}\n", sep = "")
