# Reference cases from R metafor for datasets that are NOT in ../shared/golden/metafor_public.json.
#
# Writes tests/data/metafor_extra.json in exactly the golden file's format (see ../shared/golden/README.md):
#   {"generator": "R metafor", "metafor_version": "...", "cases": [{id, dataset, input, call, expected}]}
# with every setting the golden README documents: control threshold = 1e-12, I2/H2 as metafor reports them,
# the prediction interval of predict(), Q-profile intervals of confint(), regtest/ranktest/trimfill/fsn for `bias`,
# leave1out/influence/cumulative for `sensitivity`, leave-one-out refits and influence() of meta-regressions for
# `sensitivity_metareg`, NA written as null.
#
# metafor is GPL: it is used here as an oracle only (its numbers, none of its code).
#
# Usage (from the repository root; needs only base R with metafor and metadat, no JSON package):
#   Rscript tools/oracle/make_cases.R [OUTPUT]        # default OUTPUT: tests/data/metafor_extra.json
#   Rscript tools/oracle/make_cases.R --golden OUTPUT # the same conventions applied to dat.bcg (to check this
#                                                     # script against the golden file: see check_cli.py
#                                                     # --validate-generator)

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})

# GENQM and the confidence interval of GENQ/GENQM need CompQuadForm (the distribution of a weighted sum of chi^2
# variables), which Debian does not package. Where it is missing, a stand-in with its documented interface is
# installed into a temporary library: tools/oracle/CompQuadForm_imhof computes the same probabilities by Imhof's
# (1961) formula with R's integrate() (MIT; written for this script, not derived from CompQuadForm). The GENQM
# and GENQ-interval cases then check metafor's estimator and interval logic, with the distribution function
# computed independently of sysreview's (which is tested against exact distributions on its own).
if (!requireNamespace("CompQuadForm", quietly = TRUE)) {
  stub_lib <- file.path(tempdir(), "rlib")
  dir.create(stub_lib, showWarnings = FALSE)
  stub_src <- file.path(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))),
                        "CompQuadForm_imhof")
  install.packages(stub_src, lib = stub_lib, repos = NULL, type = "source", quiet = TRUE)
  .libPaths(c(stub_lib, .libPaths()))
  message("CompQuadForm: using the Imhof stand-in of tools/oracle/CompQuadForm_imhof")
}

args <- commandArgs(trailingOnly = TRUE)
golden_mode <- length(args) >= 1 && args[1] == "--golden"
if (golden_mode) args <- args[-1]
out_file <- if (length(args) >= 1) args[1] else "tests/data/metafor_extra.json"

# maxiter: some fits (e.g. REML on the first studies of a cumulative meta-analysis) need more than metafor's
# default 100 iterations to reach threshold 1e-12; more iterations change no converged result. The golden file's
# raudenbush cumulative[5] is reproduced only with it.
CTRL <- list(threshold = 1e-12, maxiter = 1000)
RE_METHODS <- c("DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "SJIT", "DLIT")

# ------------------------------------------------------------------------------------------------ JSON (base R)

json_num <- function(x) {
  if (length(x) == 0 || is.null(x)) return("null")
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.integer(x)) return(as.character(x))
  if (x == round(x) && abs(x) < 1e15) return(sprintf("%.0f", x))
  s <- sprintf("%.15g", x)
  s
}

json_str <- function(x) {
  if (is.na(x)) return("null")
  x <- enc2utf8(as.character(x))
  x <- gsub("\\\\", "\\\\\\\\", x)
  x <- gsub("\"", "\\\\\"", x)
  x <- gsub("\n", "\\\\n", x)
  x <- gsub("\t", "\\\\t", x)
  paste0("\"", x, "\"")
}

json_scalar <- function(x) {
  if (is.null(x) || length(x) == 0) return("null")
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) return(json_str(x))
  json_num(x)
}

# arrays are marked with jarr(); every other atomic value must have length 1 (a scalar)
jarr <- function(x) structure(list(v = x), class = "jarr")

to_json <- function(x, indent = "") {
  if (inherits(x, "jarr")) {
    v <- x$v
    if (is.factor(v)) v <- as.character(v)
    return(paste0("[", paste(vapply(seq_along(v), function(i) json_scalar(v[i]), ""), collapse = ", "), "]"))
  }
  if (is.list(x)) {
    if (!is.null(names(x))) {
      parts <- vapply(names(x), function(n) paste0(json_str(n), ": ", to_json(x[[n]], indent)), "")
      return(paste0("{", paste(parts, collapse = ", "), "}"))
    }
    parts <- vapply(x, function(e) to_json(e, indent), "")
    return(paste0("[", paste(parts, collapse = ", "), "]"))
  }
  if (length(x) != 1) stop("to_json: atomic value of length ", length(x), " must be wrapped in jarr()")
  json_scalar(x)
}

num_or_null <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)[1]

# ------------------------------------------------------------------------------------------------ helpers

cases <- list()
add_case <- function(id, dataset, input, call, expected) {
  if (id %in% vapply(cases, function(c) c$id, "")) stop("duplicate id ", id)
  inp <- lapply(input, jarr)
  cases[[length(cases) + 1]] <<- list(id = id, dataset = dataset, input = inp, call = call, expected = expected)
}

# run one case, skipping it (with a message on stderr) when metafor fails: an error is not a reference value
try_case <- function(id, expr) {
  tryCatch(expr, error = function(e) {
    message("skipped ", id, ": ", conditionMessage(e))
    NULL
  })
}

RAW_COLUMNS <- list(
  two_by_two = c("ai", "bi", "ci", "di"),
  two_by_two_n = c("ai", "n1i", "ci", "n2i"),
  two_means = c("n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i"),
  correlation = c("ri", "ni"),
  proportion = c("xi", "ni"),
  proportion_m = c("xi", "mi"),
  incidence = c("xi", "ti"),
  two_incidence = c("x1i", "t1i", "x2i", "t2i")
)

# yi, vi of a data frame: escalc on its raw columns (metafor's defaults: add 1/2 to zero cells, to = "only0")
effects_of <- function(df, measure) {
  if (is.null(measure)) return(data.frame(yi = df$yi, vi = df$vi))
  cols <- intersect(names(df), c("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "ri", "ni",
                                 "xi", "mi", "ti", "x1i", "x2i", "t1i", "t2i"))
  a <- c(list(measure = measure), as.list(df[cols]))
  es <- do.call(escalc, a)
  data.frame(yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}

fit_re <- function(es, method, test = "z", mods = NULL, data = NULL) {
  if (is.null(mods)) {
    rma(es$yi, es$vi, method = method, test = test, control = CTRL)
  } else {
    rma(yi, vi, mods = mods, data = data, method = method, test = test, control = CTRL)
  }
}

# text columns become factors as R makes them (factor(): levels in R's sorted order, the first is the reference).
# R sorts text by the locale's collation (ICU here, also under C.UTF-8): "<400" before "400", "Psychotoninf"
# before "PsychotoninM", which code-point order reverses.
as_factor_sorted <- function(x) factor(x)

with_measure <- function(call, measure) if (is.null(measure)) call else c(call, list(measure = measure))

# ------------------------------------------------------------------------------------------------ case kinds

case_effects <- function(name, dataset, df, measure, id = NULL) {
  id <- if (is.null(id)) paste0(name, "_", measure, "_es") else id
  es <- try_case(id, effects_of(df, measure))
  if (is.null(es)) return(invisible())
  add_case(id, dataset, df, list(kind = "effect_size", measure = measure),
           list(yi = jarr(es$yi), vi = jarr(es$vi)))
}

meta_expected <- function(res) {
  pr <- predict(res)
  exp <- list(
    k = res$k, estimate = num_or_null(res$b), se = num_or_null(res$se), statistic = num_or_null(res$zval),
    pvalue = num_or_null(res$pval), ci_lower = num_or_null(res$ci.lb), ci_upper = num_or_null(res$ci.ub),
    tau2 = num_or_null(res$tau2), I2 = num_or_null(res$I2), H2 = num_or_null(res$H2), Q = num_or_null(res$QE),
    Q_df = res$k - res$p, Q_pvalue = num_or_null(res$QEp),
    pi_lower = num_or_null(pr$pi.lb), pi_upper = num_or_null(pr$pi.ub)
  )
  if (res$method != "FE") {
    ci <- confint(res)$random
    exp$tau2_se <- num_or_null(res$se.tau2)
    exp$tau2_ci <- jarr(as.numeric(ci["tau^2", c("ci.lb", "ci.ub")]))
    exp$I2_ci <- jarr(as.numeric(ci["I^2(%)", c("ci.lb", "ci.ub")]))
    exp$H2_ci <- jarr(as.numeric(ci["H^2", c("ci.lb", "ci.ub")]))
  }
  exp
}

case_meta <- function(name, dataset, df, measure, method, test, tag = NULL) {
  id <- paste0(c(name, measure, tag, method, test), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    meta_expected(fit_re(es, method, test))
  })
  if (is.null(exp)) return(invisible())
  add_case(id, dataset, df, with_measure(list(kind = "meta", method = method, test = test), measure), exp)
}

case_grid <- function(name, dataset, df, measure, methods = c("FE", RE_METHODS), tests = c("z", "knha")) {
  for (m in methods) for (t in tests) {
    if (m == "FE" && t != "z") next
    case_meta(name, dataset, df, measure, m, t)
  }
}

count_expected <- function(res) {
  list(k = res$k, estimate = num_or_null(res$b), se = num_or_null(res$se), statistic = num_or_null(res$zval),
       pvalue = num_or_null(res$pval), ci_lower = num_or_null(res$ci.lb), ci_upper = num_or_null(res$ci.ub),
       Q = num_or_null(res$QE), Q_pvalue = num_or_null(res$QEp), I2 = num_or_null(res$I2), H2 = num_or_null(res$H2))
}

case_mh <- function(name, dataset, df, measure) {
  id <- paste0(name, "_MH_", measure)
  exp <- try_case(id, count_expected(rma.mh(ai = df$ai, bi = df$bi, ci = df$ci, di = df$di, measure = measure)))
  if (!is.null(exp)) add_case(id, dataset, df, list(kind = "meta", method = "MH", measure = measure), exp)
}

case_peto <- function(name, dataset, df) {
  id <- paste0(name, "_PETO")
  exp <- try_case(id, count_expected(rma.peto(ai = df$ai, bi = df$bi, ci = df$ci, di = df$di)))
  if (!is.null(exp)) add_case(id, dataset, df, list(kind = "meta", method = "PETO", measure = "PETO"), exp)
}

case_metareg <- function(name, dataset, df, measure, mods, method = "REML", test = "z", tag = NULL) {
  id <- paste0(c(name, measure, tag, "metareg", method, test), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    d <- data.frame(yi = es$yi, vi = es$vi)
    terms <- character(0)
    for (m in mods) {
      if (is.character(df[[m]])) d[[m]] <- as_factor_sorted(df[[m]]) else d[[m]] <- df[[m]]
      terms <- c(terms, m)
    }
    f <- as.formula(paste("~", paste(terms, collapse = " + ")))
    res <- fit_re(es, method, test, mods = f, data = d)
    tab <- coef(summary(res))
    coefs <- lapply(seq_len(nrow(tab)), function(i) list(
      name = rownames(tab)[i], estimate = tab$estimate[i], se = tab$se[i], statistic = tab[[3]][i],
      pvalue = tab$pval[i], ci_lower = tab$ci.lb[i], ci_upper = tab$ci.ub[i]))
    list(k = res$k, coefficients = coefs, tau2 = num_or_null(res$tau2), I2 = num_or_null(res$I2),
         Q = num_or_null(res$QE), Q_df = res$k - res$p, Q_pvalue = num_or_null(res$QEp),
         QM = num_or_null(res$QM), QM_df = num_or_null(res$QMdf[1]), QM_pvalue = num_or_null(res$QMp),
         R2 = num_or_null(res$R2))
  })
  if (is.null(exp)) return(invisible())
  add_case(id, dataset, df,
           with_measure(list(kind = "metaregression", method = method, test = test, mods = as.list(mods)), measure),
           exp)
}

case_subgroup <- function(name, dataset, df, measure, column, method = "REML") {
  id <- paste0(c(name, measure, "subgroup", column, method), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    g <- df[[column]]
    ok <- !is.na(es$yi) & !is.na(es$vi) & !is.na(g)
    levels <- sort(unique(g[ok]), method = "radix")
    subgroups <- list()
    est <- c()
    se <- c()
    for (lev in levels) {
      sel <- ok & g == lev
      if (sum(sel) < 2) next
      r <- rma(es$yi[sel], es$vi[sel], method = method, control = CTRL)
      subgroups[[as.character(lev)]] <- list(
        k = r$k, estimate = num_or_null(r$b), se = num_or_null(r$se), ci_lower = num_or_null(r$ci.lb),
        ci_upper = num_or_null(r$ci.ub), tau2 = num_or_null(r$tau2), I2 = num_or_null(r$I2), Q = num_or_null(r$QE))
      est <- c(est, as.numeric(r$b))
      se <- c(se, r$se)
    }
    between <- rma(est, sei = se, method = "FE")
    d <- data.frame(yi = es$yi, vi = es$vi, g = as_factor_sorted(as.character(g)))
    mt <- rma(yi, vi, mods = ~ g, data = d, method = method, control = CTRL)
    list(subgroups = subgroups, Q_between = num_or_null(between$QE), Q_between_df = length(est) - 1,
         Q_between_pvalue = num_or_null(between$QEp),
         moderator_test = list(QM = num_or_null(mt$QM), QM_df = num_or_null(mt$QMdf[1]),
                               QM_pvalue = num_or_null(mt$QMp)))
  })
  if (is.null(exp)) return(invisible())
  add_case(id, dataset, df, with_measure(list(kind = "subgroup", method = method, subgroup = column), measure), exp)
}

trimfill_fields <- function(tf, with_tau2 = TRUE) {
  out <- list(k0 = tf$k0, side = tf$side, estimate = num_or_null(tf$b), ci_lower = num_or_null(tf$ci.lb),
              ci_upper = num_or_null(tf$ci.ub))
  if (with_tau2) out$tau2 <- num_or_null(tf$tau2)
  out
}

case_bias <- function(name, dataset, df, measure) {
  id <- paste0(c(name, measure, "bias"), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    es <- es[!is.na(es$yi) & !is.na(es$vi), ]
    reml <- rma(es$yi, es$vi, method = "REML", control = CTRL)
    fe <- rma(es$yi, es$vi, method = "FE", control = CTRL)
    eg <- regtest(reml, model = "lm")
    er <- regtest(reml)
    rk <- ranktest(reml)
    list(
      egger_lm = list(statistic = num_or_null(eg$zval), pvalue = num_or_null(eg$pval), df = eg$dfs,
                      intercept = num_or_null(eg$est)),
      egger_rma_REML = list(statistic = num_or_null(er$zval), pvalue = num_or_null(er$pval)),
      begg = list(tau = num_or_null(rk$tau), pvalue = num_or_null(rk$pval)),
      trimfill_REML = trimfill_fields(trimfill(reml)),
      trimfill_FE = trimfill_fields(trimfill(fe), with_tau2 = FALSE),
      trimfill_R0_FE = trimfill_fields(trimfill(fe, estimator = "R0"), with_tau2 = FALSE),
      failsafe_rosenthal = list(n = fsn(es$yi, es$vi, type = "Rosenthal")$fsnum),
      failsafe_rosenberg = list(n = fsn(es$yi, es$vi, type = "Rosenberg")$fsnum)
    )
  })
  if (!is.null(exp)) add_case(id, dataset, df, with_measure(list(kind = "bias"), measure), exp)
}

# leave1out() and cumul() give NA for a step whose REML fit does not converge (plain Fisher scoring can oscillate
# at threshold 1e-12, e.g. on the first 8 studies of dat.nielweise2007). Such a step is refitted with step halving
# (control stepadj = 0.5, the remedy help(rma) gives), which converges to the same REML solution.
fill_steps <- function(x, es, subset_of) {
  x <- as.data.frame(x)
  for (i in which(is.na(x$estimate))) {
    sub <- subset_of(i)
    r <- rma(es$yi[sub], es$vi[sub], method = "REML", test = "z",
             control = list(threshold = 1e-12, maxiter = 10000, stepadj = 0.5))
    message("refitted step ", i, " with stepadj = 0.5")
    x$estimate[i] <- as.numeric(r$b)
    x$ci.lb[i] <- r$ci.lb
    x$ci.ub[i] <- r$ci.ub
    if (!is.null(x$tau2)) x$tau2[i] <- r$tau2
    if (!is.null(x$I2)) x$I2[i] <- r$I2
  }
  x
}

case_sensitivity <- function(name, dataset, df, measure) {
  id <- paste0(c(name, measure, "sensitivity"), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    es <- es[!is.na(es$yi) & !is.na(es$vi), ]
    res <- rma(es$yi, es$vi, method = "REML", test = "z", control = CTRL)
    l1 <- fill_steps(leave1out(res), es, function(i) -i)
    inf <- influence(res)$inf
    cu <- fill_steps(cumul(res), es, function(i) seq_len(i))
    list(
      leave1out = list(estimate = jarr(l1$estimate), ci_lower = jarr(l1$ci.lb), ci_upper = jarr(l1$ci.ub),
                       tau2 = jarr(l1$tau2), I2 = jarr(l1$I2)),
      influence = list(rstudent = jarr(inf$rstudent), cooks_distance = jarr(inf$cook.d), hat = jarr(inf$hat),
                       dffits = jarr(inf$dffits), covratio = jarr(inf$cov.r)),
      cumulative = list(estimate = jarr(cu$estimate), ci_lower = jarr(cu$ci.lb), ci_upper = jarr(cu$ci.ub))
    )
  })
  if (!is.null(exp)) {
    add_case(id, dataset, df, with_measure(list(kind = "sensitivity", method = "REML", test = "z"), measure), exp)
  }
}

# leave1out()/influence() for a meta-regression (kind "sensitivity_metareg"). metafor 3.8-1's leave1out() refuses
# models with moderators, so the leave-one-out reference is rma() refitted to the data without each study (same
# formula, method, test); where the model matrix without a study is not of full rank (a factor level left without
# studies) the row is NA, as influence() reports it (metafor would drop the redundant column instead). influence()
# gives inf (rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight), dfbs and is.infl.
case_sensitivity_metareg <- function(name, dataset, df, measure, mods, method = "REML", test = "z", tag = NULL) {
  id <- paste0(c(name, measure, tag, "sensitivity", "metareg", mods, method, test), collapse = "_")
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    d <- data.frame(yi = es$yi, vi = es$vi)
    for (m in mods) d[[m]] <- if (is.character(df[[m]])) as_factor_sorted(df[[m]]) else df[[m]]
    if (any(is.na(d))) stop("the sensitivity_metareg cases need complete rows")
    f <- as.formula(paste("~", paste(mods, collapse = " + ")))
    res <- rma(yi, vi, mods = f, data = d, method = method, test = test, control = CTRL)
    names_b <- rownames(coef(summary(res)))
    k <- res$k
    p <- res$p
    na_mat <- function() matrix(NA_real_, k, p)
    est <- na_mat(); se <- na_mat(); zv <- na_mat(); pv <- na_mat(); lb <- na_mat(); ub <- na_mat()
    het <- list(tau2 = rep(NA_real_, k), I2 = rep(NA_real_, k), H2 = rep(NA_real_, k), Q = rep(NA_real_, k),
                Q_pvalue = rep(NA_real_, k), QM = rep(NA_real_, k), QM_pvalue = rep(NA_real_, k))
    for (i in seq_len(k)) {
      sub <- d[-i, , drop = FALSE]
      Xs <- model.matrix(f, sub)
      if (qr(Xs)$rank < ncol(Xs)) next
      r <- rma(yi, vi, mods = f, data = sub, method = method, test = test, control = CTRL)
      tab <- coef(summary(r))
      est[i, ] <- tab$estimate; se[i, ] <- tab$se; zv[i, ] <- tab[[3]]; pv[i, ] <- tab$pval
      lb[i, ] <- tab$ci.lb; ub[i, ] <- tab$ci.ub
      het$tau2[i] <- r$tau2; het$I2[i] <- r$I2; het$H2[i] <- r$H2; het$Q[i] <- r$QE; het$Q_pvalue[i] <- r$QEp
      het$QM[i] <- r$QM; het$QM_pvalue[i] <- r$QMp
    }
    coefs <- lapply(seq_len(p), function(j) list(
      name = names_b[j], estimate = jarr(est[, j]), se = jarr(se[, j]), statistic = jarr(zv[, j]),
      pvalue = jarr(pv[, j]), ci_lower = jarr(lb[, j]), ci_upper = jarr(ub[, j])))
    l1 <- c(list(coefficients = coefs), lapply(het, jarr))
    infl <- influence(res)
    inf <- infl$inf
    dfbs <- list()
    for (nm in names_b) dfbs[[nm]] <- jarr(infl$dfbs[[nm]])
    list(
      leave1out = l1,
      influence = list(rstudent = jarr(inf$rstudent), dffits = jarr(inf$dffits), cooks_distance = jarr(inf$cook.d),
                       covratio = jarr(inf$cov.r), tau2_deleted = jarr(inf$tau2.del), Q_deleted = jarr(inf$QE.del),
                       hat = jarr(inf$hat), weight = jarr(inf$weight), influential = jarr(as.logical(infl$is.infl)),
                       dfbetas = dfbs)
    )
  })
  if (is.null(exp)) return(invisible())
  add_case(id, dataset, df,
           with_measure(list(kind = "sensitivity_metareg", method = method, test = test, mods = as.list(mods)),
                        measure),
           exp)
}

# GENQ / GENQM (generalised Q estimators with user weights, given as the input column wi): intercept-only cases
# are kind "meta" (with the interval of confint(), which inverts the exact distribution of the generalised Q),
# cases with moderators kind "metaregression"; call.weights names the weights column
case_genq <- function(name, dataset, df, measure, method, test, wtag, wfun, mods = NULL) {
  id <- paste0(c(name, measure, if (!is.null(mods)) c("metareg", mods), method, wtag, test), collapse = "_")
  inp <- NULL
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    inp <- df
    inp$wi <- wfun(es, df)
    d <- data.frame(yi = es$yi, vi = es$vi, wi = inp$wi)
    if (is.null(mods)) {
      res <- rma(yi, vi, weights = wi, data = d, method = method, test = test, control = CTRL)
      meta_expected(res)
    } else {
      for (m in mods) d[[m]] <- if (is.character(df[[m]])) as_factor_sorted(df[[m]]) else df[[m]]
      f <- as.formula(paste("~", paste(mods, collapse = " + ")))
      res <- rma(yi, vi, weights = wi, mods = f, data = d, method = method, test = test, control = CTRL)
      tab <- coef(summary(res))
      coefs <- lapply(seq_len(nrow(tab)), function(i) list(
        name = rownames(tab)[i], estimate = tab$estimate[i], se = tab$se[i], statistic = tab[[3]][i],
        pvalue = tab$pval[i], ci_lower = tab$ci.lb[i], ci_upper = tab$ci.ub[i]))
      list(k = res$k, coefficients = coefs, tau2 = num_or_null(res$tau2), tau2_se = num_or_null(res$se.tau2),
           I2 = num_or_null(res$I2), Q = num_or_null(res$QE), Q_df = res$k - res$p, Q_pvalue = num_or_null(res$QEp),
           QM = num_or_null(res$QM), QM_df = num_or_null(res$QMdf[1]), QM_pvalue = num_or_null(res$QMp),
           R2 = num_or_null(res$R2))
    }
  })
  if (is.null(exp)) return(invisible())
  kind <- if (is.null(mods)) "meta" else "metaregression"
  call <- list(kind = kind, method = method, test = test, weights = "wi")
  if (!is.null(mods)) call$mods <- as.list(mods)
  add_case(id, dataset, inp, with_measure(call, measure), exp)
}

# leave1out(), cumul() and influence() of GENQ / GENQM fits (kind "sensitivity_genq"; user weights in the input
# column wi, named by call.weights). metafor refits every subset with the weights of its studies. Intercept-only
# fits: leave1out() and cumul() (estimate, se, statistic, pvalue, ci, Q, Q_pvalue, tau2, I2, H2) and influence();
# with moderators (call.mods) leave1out() refuses the model, so the leave-one-out reference is rma() refitted
# without each study (same weights, formula, method, test), in the sensitivity_metareg layout, with influence().
case_sensitivity_genq <- function(name, dataset, df, measure, method, test, wtag, wfun, mods = NULL) {
  id <- paste0(c(name, measure, "sensitivity", if (!is.null(mods)) c("metareg", mods), method, wtag, test),
               collapse = "_")
  inp <- NULL
  exp <- try_case(id, {
    es <- effects_of(df, measure)
    inp <- df
    inp$wi <- wfun(es, df)
    d <- data.frame(yi = es$yi, vi = es$vi, wi = inp$wi)
    if (any(is.na(d))) stop("the sensitivity_genq cases need complete rows")
    steps <- function(x) {
      x <- as.data.frame(x)
      list(estimate = jarr(x$estimate), se = jarr(x$se), statistic = jarr(x[[3]]), pvalue = jarr(x[[4]]),
           ci_lower = jarr(x$ci.lb), ci_upper = jarr(x$ci.ub), Q = jarr(x$Q), Q_pvalue = jarr(x$Qp),
           tau2 = jarr(x$tau2), I2 = jarr(x$I2), H2 = jarr(x$H2))
    }
    if (is.null(mods)) {
      res <- rma(yi, vi, weights = wi, data = d, method = method, test = test, control = CTRL)
      out <- list(leave1out = steps(leave1out(res)), cumulative = steps(cumul(res)))
    } else {
      for (m in mods) d[[m]] <- if (is.character(df[[m]])) as_factor_sorted(df[[m]]) else df[[m]]
      f <- as.formula(paste("~", paste(mods, collapse = " + ")))
      res <- rma(yi, vi, weights = wi, mods = f, data = d, method = method, test = test, control = CTRL)
      names_b <- rownames(coef(summary(res)))
      k <- res$k
      p <- res$p
      na_mat <- function() matrix(NA_real_, k, p)
      est <- na_mat(); se <- na_mat(); zv <- na_mat(); pv <- na_mat(); lb <- na_mat(); ub <- na_mat()
      het <- list(tau2 = rep(NA_real_, k), I2 = rep(NA_real_, k), H2 = rep(NA_real_, k), Q = rep(NA_real_, k),
                  Q_pvalue = rep(NA_real_, k), QM = rep(NA_real_, k), QM_pvalue = rep(NA_real_, k))
      for (i in seq_len(k)) {
        sub <- d[-i, , drop = FALSE]
        Xs <- model.matrix(f, sub)
        if (qr(Xs)$rank < ncol(Xs)) next
        r <- rma(yi, vi, weights = wi, mods = f, data = sub, method = method, test = test, control = CTRL)
        tab <- coef(summary(r))
        est[i, ] <- tab$estimate; se[i, ] <- tab$se; zv[i, ] <- tab[[3]]; pv[i, ] <- tab$pval
        lb[i, ] <- tab$ci.lb; ub[i, ] <- tab$ci.ub
        het$tau2[i] <- r$tau2; het$I2[i] <- r$I2; het$H2[i] <- r$H2; het$Q[i] <- r$QE; het$Q_pvalue[i] <- r$QEp
        het$QM[i] <- r$QM; het$QM_pvalue[i] <- r$QMp
      }
      coefs <- lapply(seq_len(p), function(j) list(
        name = names_b[j], estimate = jarr(est[, j]), se = jarr(se[, j]), statistic = jarr(zv[, j]),
        pvalue = jarr(pv[, j]), ci_lower = jarr(lb[, j]), ci_upper = jarr(ub[, j])))
      out <- list(leave1out = c(list(coefficients = coefs), lapply(het, jarr)))
    }
    infl <- influence(res)
    inf <- infl$inf
    dfbs <- list()
    for (nm in rownames(coef(summary(res)))) dfbs[[nm]] <- jarr(infl$dfbs[[nm]])
    out$influence <- list(rstudent = jarr(inf$rstudent), dffits = jarr(inf$dffits), cooks_distance = jarr(inf$cook.d),
                          covratio = jarr(inf$cov.r), tau2_deleted = jarr(inf$tau2.del), Q_deleted = jarr(inf$QE.del),
                          hat = jarr(inf$hat), weight = jarr(inf$weight), influential = jarr(as.logical(infl$is.infl)),
                          dfbetas = dfbs)
    out
  })
  if (is.null(exp)) return(invisible())
  call <- list(kind = "sensitivity_genq", method = method, test = test, weights = "wi")
  if (!is.null(mods)) call$mods <- as.list(mods)
  add_case(id, dataset, inp, with_measure(call, measure), exp)
}

W_INV <- function(es, df) 1 / es$vi
W_SQRT <- function(es, df) 1 / sqrt(es$vi)
W_N <- function(es, df) df$ni
W_ONE <- function(es, df) rep(1, nrow(df))

# ------------------------------------------------------------------------------------------------ datasets

# the study label column first, then the columns a case needs (integers stay integers, text stays text)
pick <- function(d, study, cols) {
  out <- data.frame(study = as.character(d[[study]]), stringsAsFactors = FALSE)
  for (c in cols) out[[c]] <- d[[c]]
  rownames(out) <- NULL
  out
}

if (golden_mode) {
  # the golden file's dat.bcg cases, recomputed with this script's conventions
  b <- dat.bcg
  bcg <- data.frame(study = b$author, year = b$year, ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
                    ablat = b$ablat, alloc = b$alloc, stringsAsFactors = FALSE)
  for (m in c("RR", "OR", "RD", "AS")) case_effects("bcg", "dat.bcg", bcg, m)
  for (m in c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")) for (t in c("z", "knha")) {
    if (m != "FE" || t == "z") case_meta("bcg", "dat.bcg", bcg, "RR", m, t)
  }
  for (m in c("DL", "REML", "HSk", "SJIT", "PMM")) for (t in c("z", "t", "adhoc")) {
    case_meta("bcg", "dat.bcg", bcg, "RR", m, t, tag = "more")
  }
  for (m in c("OR", "RR", "RD")) case_mh("bcg", "dat.bcg", bcg, m)
  case_peto("bcg", "dat.bcg", bcg)
  case_bias("bcg", "dat.bcg", bcg, "RR")
  case_sensitivity("bcg", "dat.bcg", bcg, "RR")
  case_metareg("bcg", "dat.bcg", bcg, "RR", c("ablat"), "REML", "z")
  case_metareg("bcg", "dat.bcg", bcg, "RR", c("ablat", "year"), "REML", "knha")
  case_metareg("bcg", "dat.bcg", bcg, "RR", c("alloc"), "REML", "z", tag = "factor")
  case_metareg("bcg", "dat.bcg", bcg, "RR", c("alloc", "ablat"), "REML", "knha", tag = "factor")
  case_subgroup("bcg", "dat.bcg", bcg, "RR", "alloc", "REML")
  h <- dat.hackshaw1998
  hack <- data.frame(study = h$author, year = h$year, design = h$design, yi = h$yi, vi = h$vi,
                     stringsAsFactors = FALSE)
  for (m in c("FE", RE_METHODS)) case_meta("hackshaw", "dat.hackshaw1998", hack, NULL, m, "z")
  r <- dat.raudenbush1985
  raud <- data.frame(study = r$author, year = r$year, weeks = r$weeks, yi = r$yi, vi = r$vi)
  case_sensitivity("raudenbush", "dat.raudenbush1985", raud, NULL)
  case_bias("raudenbush", "dat.raudenbush1985", raud, NULL)
} else {
  # -------- dat.nielweise2007: 2×2 tables with single-zero cells and one double-zero study (Yucel 2004)
  d <- dat.nielweise2007
  niel <- data.frame(study = d$author, year = d$year, ai = d$ai, bi = d$n1i - d$ai, ci = d$ci, di = d$n2i - d$ci)
  ds <- "dat.nielweise2007"
  for (m in c("RR", "OR", "RD", "AS", "PETO")) case_effects("nielweise2007", ds, niel, m)
  # the same tables as events and group sizes (metafor's ai, n1i, ci, n2i layout)
  nieln <- data.frame(study = d$author, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i)
  case_effects("nielweise2007", ds, nieln, "OR", id = "nielweise2007_n1i_OR_es")
  case_meta("nielweise2007", ds, nieln, "RR", "REML", "z", tag = "n1i")
  case_grid("nielweise2007", ds, niel, "OR")
  for (m in c("RR", "RD", "AS")) {
    for (mt in list(c("FE", "z"), c("DL", "z"), c("REML", "z"), c("REML", "knha"), c("PM", "z"))) {
      case_meta("nielweise2007", ds, niel, m, mt[1], mt[2])
    }
  }
  for (m in c("OR", "RR", "RD")) case_mh("nielweise2007", ds, niel, m)
  case_peto("nielweise2007", ds, niel)
  case_metareg("nielweise2007", ds, niel, "OR", c("year"), "REML", "z")
  case_bias("nielweise2007", ds, niel, "OR")
  case_sensitivity("nielweise2007", ds, niel, "OR")

  # -------- dat.laopaiboon2015: 2×2 (one zero cell), factor moderators age (2 levels) and ctrl (2 levels)
  d <- dat.laopaiboon2015
  lao <- data.frame(study = d$author, year = d$year, ai = d$ai, bi = d$n1i - d$ai, ci = d$ci, di = d$n2i - d$ci,
                    age = d$age, ctrl = d$ctrl, stringsAsFactors = FALSE)
  ds <- "dat.laopaiboon2015"
  for (m in c("RR", "OR", "RD", "AS", "PETO")) case_effects("laopaiboon2015", ds, lao, m)
  for (mt in list(c("FE", "z"), c("DL", "z"), c("DL", "knha"), c("REML", "z"), c("REML", "knha"), c("PM", "knha"),
                  c("ML", "z"), c("EB", "z"))) {
    case_meta("laopaiboon2015", ds, lao, "RR", mt[1], mt[2])
  }
  for (m in c("RR", "OR")) case_mh("laopaiboon2015", ds, lao, m)
  case_peto("laopaiboon2015", ds, lao)
  case_metareg("laopaiboon2015", ds, lao, "RR", c("age"), "REML", "z")
  case_metareg("laopaiboon2015", ds, lao, "RR", c("age"), "REML", "knha")
  case_metareg("laopaiboon2015", ds, lao, "RR", c("age", "ctrl", "year"), "DL", "knha")
  case_subgroup("laopaiboon2015", ds, lao, "RR", "age", "REML")
  case_subgroup("laopaiboon2015", ds, lao, "RR", "ctrl", "DL")

  # -------- dat.li2007: magnesium trials (2×2, zero cells, one huge trial): funnel asymmetry
  d <- dat.li2007
  li <- data.frame(study = d$study, year = d$year, ai = d$ai, bi = d$n1i - d$ai, ci = d$ci, di = d$n2i - d$ci)
  ds <- "dat.li2007"
  case_effects("li2007", ds, li, "OR")
  for (mt in list(c("FE", "z"), c("DL", "z"), c("DL", "knha"), c("REML", "z"), c("REML", "knha"), c("PM", "z"),
                  c("PMM", "z"), c("SJIT", "z"), c("DLIT", "z"), c("HS", "knha"))) {
    case_meta("li2007", ds, li, "OR", mt[1], mt[2])
  }
  case_mh("li2007", ds, li, "OR")
  case_peto("li2007", ds, li)
  case_bias("li2007", ds, li, "OR")
  case_sensitivity("li2007", ds, li, "OR")

  # -------- dat.gibson2002: means and SDs (13 complete rows), study type 1..5 (integer; levels with k = 1)
  d <- dat.gibson2002
  ds <- "dat.gibson2002"
  full <- data.frame(study = d$author, year = d$year, n1i = d$n1i, m1i = d$m1i, sd1i = d$sd1i, n2i = d$n2i,
                     m2i = d$m2i, sd2i = d$sd2i, type = d$type, stringsAsFactors = FALSE)
  gib <- full[!is.na(full$m1i), ]
  rownames(gib) <- NULL
  gib$design <- ifelse(gib$type == 1, "single", "multi")
  for (m in c("MD", "SMD", "SMDH", "SMD1", "ROM")) case_effects("gibson2002", ds, gib, m)
  case_grid("gibson2002", ds, gib, "SMD")
  for (m in c("MD", "SMDH", "SMD1", "ROM")) {
    for (mt in list(c("FE", "z"), c("DL", "z"), c("REML", "z"), c("REML", "knha"))) {
      case_meta("gibson2002", ds, gib, m, mt[1], mt[2])
    }
  }
  for (t in c("t", "adhoc")) for (m in c("DL", "REML", "PM", "SJ", "HSk", "EB")) case_meta("gibson2002", ds, gib, "SMD", m, t)
  case_subgroup("gibson2002", ds, gib, "SMD", "type", "REML")
  case_subgroup("gibson2002", ds, gib, "SMD", "design", "FE")
  case_metareg("gibson2002", ds, gib, "SMD", c("design"), "REML", "z")
  case_metareg("gibson2002", ds, gib, "ROM", c("design", "year"), "REML", "knha")
  case_bias("gibson2002", ds, gib, "SMD")
  case_sensitivity("gibson2002", ds, gib, "SMD")
  # every row: two studies report only 2×2 counts, so their means and SDs are empty cells (metafor: NA, omitted)
  case_effects("gibson2002", ds, full, "SMD", id = "gibson2002_missing_SMD_es")
  case_meta("gibson2002", ds, full, "SMD", "REML", "z", tag = "missing")
  # the 2×2 counts of the six studies that report them (Brewin 1995 has a zero cell); the others are empty cells
  g2 <- data.frame(study = d$author, ai = d$ai, bi = d$bi, ci = d$ci, di = d$di)
  case_effects("gibson2002", ds, g2, "OR", id = "gibson2002_missing_OR_es")
  case_meta("gibson2002", ds, g2, "OR", "DL", "z", tag = "missing")
  case_mh("gibson2002_missing", ds, g2, "OR")

  # -------- dat.mcdaniel1994: 160 correlations, factors type (j/p/s) and struct (s/u) with missing values
  d <- dat.mcdaniel1994
  ds <- "dat.mcdaniel1994"
  mcd <- data.frame(study = as.character(d$study), ni = d$ni, ri = d$ri, type = d$type, struct = d$struct,
                    stringsAsFactors = FALSE)
  for (m in c("COR", "ZCOR")) case_effects("mcdaniel1994", ds, mcd, m)
  for (mt in list(c("FE", "z"), c("DL", "z"), c("DL", "knha"), c("REML", "z"), c("REML", "knha"), c("PM", "z"),
                  c("ML", "z"), c("HS", "z"), c("SJ", "z"), c("EB", "z"), c("HE", "knha"))) {
    case_meta("mcdaniel1994", ds, mcd, "ZCOR", mt[1], mt[2])
  }
  for (mt in list(c("DL", "z"), c("REML", "z"), c("REML", "knha"))) case_meta("mcdaniel1994", ds, mcd, "COR", mt[1], mt[2])
  comp <- mcd[!is.na(mcd$type) & !is.na(mcd$struct), ]
  rownames(comp) <- NULL
  case_metareg("mcdaniel1994", ds, comp, "ZCOR", c("type"), "REML", "z", tag = "complete")
  case_metareg("mcdaniel1994", ds, comp, "ZCOR", c("type", "struct"), "REML", "knha", tag = "complete")
  case_subgroup("mcdaniel1994", ds, comp, "ZCOR", "struct", "REML")
  # moderator cells left empty: metafor omits those studies (with a warning)
  case_metareg("mcdaniel1994", ds, mcd, "ZCOR", c("struct"), "REML", "z", tag = "missing")
  case_subgroup("mcdaniel1994_missing", ds, mcd, "ZCOR", "type", "REML")
  case_bias("mcdaniel1994", ds, mcd, "ZCOR")
  case_sensitivity("mcdaniel1994", ds, mcd, "ZCOR")

  # -------- dat.debruin2009: proportions, factors ethnicity/patients/select, numeric scq
  d <- dat.debruin2009
  ds <- "dat.debruin2009"
  deb <- data.frame(study = d$author, year = d$year, xi = d$xi, ni = d$ni, scq = d$scq, ethnicity = d$ethnicity,
                    patients = d$patients, select = d$select, sens = d$sens, stringsAsFactors = FALSE)
  for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) case_effects("debruin2009", ds, deb, m)
  debm <- data.frame(study = d$author, xi = d$xi, mi = d$mi)
  case_effects("debruin2009", ds, debm, "PLO", id = "debruin2009_mi_PLO_es")
  case_grid("debruin2009", ds, deb, "PLO")
  for (m in c("PR", "PLN", "PAS", "PFT")) {
    for (mt in list(c("DL", "z"), c("REML", "z"), c("REML", "knha"))) case_meta("debruin2009", ds, deb, m, mt[1], mt[2])
  }
  case_metareg("debruin2009", ds, deb, "PLO", c("scq"), "REML", "z")
  case_metareg("debruin2009", ds, deb, "PLO", c("ethnicity", "scq"), "REML", "knha")
  case_metareg("debruin2009", ds, deb, "PLO", c("patients"), "FE", "z")
  for (m in c(RE_METHODS)) case_metareg("debruin2009", ds, deb, "PLO", c("scq"), m, "knha", tag = "all")
  case_subgroup("debruin2009", ds, deb, "PLO", "patients", "REML")
  case_subgroup("debruin2009", ds, deb, "PLO", "select", "DL")
  # sens has the levels "<400" and "400": R's reference level is "<400"
  case_metareg("debruin2009", ds, deb, "PLO", c("sens"), "REML", "z", tag = "sens")
  case_subgroup("debruin2009", ds, deb, "PLO", "sens", "REML")
  for (m in c("PM", "ML", "SJ", "HE")) case_subgroup("debruin2009", ds, deb, "PLO", "ethnicity", m)
  case_bias("debruin2009", ds, deb, "PLO")
  case_sensitivity("debruin2009", ds, deb, "PLO")

  # -------- dat.pagliaro1992, control arms: proportions with a zero count
  d <- dat.pagliaro1992[dat.pagliaro1992$trt == "control", ]
  ds <- "dat.pagliaro1992"
  pag <- data.frame(study = as.character(d$study), xi = d$xi, ni = d$ni)
  for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) case_effects("pagliaro1992", ds, pag, m)
  for (mt in list(c("PR", "DL", "z"), c("PLO", "REML", "z"), c("PLN", "REML", "z"), c("PFT", "REML", "z"),
                  c("PAS", "REML", "knha"), c("PLO", "FE", "z"))) {
    case_meta("pagliaro1992", ds, pag, mt[1], mt[2], mt[3])
  }

  # -------- dat.hart1999: incidence rates (6 trials; little heterogeneity), factor prevtype
  d <- dat.hart1999
  ds <- "dat.hart1999"
  hart <- data.frame(study = d$study, year = d$year, x1i = d$x1i, t1i = d$t1i, x2i = d$x2i, t2i = d$t2i,
                     compgrp = d$compgrp, prevtype = d$prevtype, stringsAsFactors = FALSE)
  for (m in c("IRR", "IRD")) case_effects("hart1999", ds, hart, m)
  arm <- data.frame(study = d$study, xi = d$x1i, ti = d$t1i)
  for (m in c("IR", "IRLN")) case_effects("hart1999_arm1", ds, arm, m)
  case_grid("hart1999", ds, hart, "IRR")
  for (mt in list(c("DL", "z"), c("REML", "z"), c("REML", "knha"))) case_meta("hart1999", ds, hart, "IRD", mt[1], mt[2])
  case_meta("hart1999_arm1", ds, arm, "IRLN", "REML", "z")
  case_metareg("hart1999", ds, hart, "IRR", c("prevtype"), "REML", "z")
  case_metareg("hart1999", ds, hart, "IRR", c("year"), "DL", "knha")

  # -------- dat.collins1985a: pre-eclampsia (events b.xti/b.xci, group sizes nti/nci), zero cells and one
  # double-zero trial (Colecchia 1981); two trials report group sizes but no events (empty event cells)
  d <- dat.collins1985a
  ds <- "dat.collins1985a"
  colr <- data.frame(study = d$trial, year = d$year, ai = d$b.xti, n1i = d$nti, ci = d$b.xci, n2i = d$nci,
                     stringsAsFactors = FALSE)
  case_effects("collins1985a", ds, colr, "OR", id = "collins1985a_missing_OR_es")
  case_meta("collins1985a", ds, colr, "OR", "REML", "z", tag = "missing")
  col <- colr[!is.na(colr$ai), ]
  rownames(col) <- NULL
  col <- data.frame(study = col$study, year = col$year, ai = col$ai, bi = col$n1i - col$ai, ci = col$ci,
                    di = col$n2i - col$ci, stringsAsFactors = FALSE)
  for (m in c("OR", "RR", "RD", "PETO")) case_effects("collins1985a", ds, col, m)
  for (mt in list(c("FE", "z"), c("DL", "z"), c("DL", "knha"), c("REML", "z"), c("REML", "knha"), c("PM", "z"),
                  c("HE", "z"), c("SJ", "knha"))) {
    case_meta("collins1985a", ds, col, "OR", mt[1], mt[2])
  }
  for (m in c("OR", "RR")) case_mh("collins1985a", ds, col, m)
  case_peto("collins1985a", ds, col)
  case_bias("collins1985a", ds, col, "OR")
  case_sensitivity("collins1985a", ds, col, "OR")

  # -------- dat.linde2005: St John's wort (events/group sizes), two trials with no 2×2 data at all (every cell
  # empty), one double-zero trial, factor country, 0/1 moderator major, year missing for a trial without data
  d <- dat.linde2005
  ds <- "dat.linde2005"
  lin <- data.frame(study = d$study, year = d$year, country = d$country, major = d$major, duration = d$duration,
                    prep = d$prep, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, stringsAsFactors = FALSE)
  for (m in c("RR", "OR")) case_effects("linde2005", ds, lin, m)
  for (mt in list(c("DL", "z"), c("REML", "z"), c("REML", "knha"), c("PM", "z"))) {
    case_meta("linde2005", ds, lin, "RR", mt[1], mt[2])
  }
  case_metareg("linde2005", ds, lin, "RR", c("major"), "REML", "z")
  case_metareg("linde2005", ds, lin, "RR", c("major", "year"), "REML", "knha")
  case_subgroup("linde2005", ds, lin, "RR", "duration", "REML")
  # preparations: 11 levels, "Psychotoninf" and "PsychotoninM" among them (R sorts f before M)
  case_metareg("linde2005", ds, lin, "RR", c("prep"), "DL", "z", tag = "prep")

  # -------- dat.fine1993: 2×2 from events/group sizes (outcome 1); trial 17 reports sizes but no events
  d <- dat.fine1993
  ds <- "dat.fine1993"
  finr <- data.frame(study = as.character(d$study), ai = d$e1i, n1i = d$nei, ci = d$c1i, n2i = d$nci)
  case_effects("fine1993", ds, finr, "RR", id = "fine1993_missing_RR_es")
  fin <- finr[!is.na(finr$ai), ]
  rownames(fin) <- NULL
  for (m in c("RR", "OR")) case_effects("fine1993", ds, fin, m)
  for (mt in list(c("FE", "z"), c("DL", "z"), c("REML", "z"), c("PM", "knha"), c("ML", "z"))) {
    case_meta("fine1993", ds, fin, "RR", mt[1], mt[2])
  }

  # -------- dat.bonett2010: Cronbach's alpha, as precomputed yi, vi (escalc measure ABT, not in our catalogue)
  d <- dat.bonett2010
  ds <- "dat.bonett2010"
  ab <- escalc(measure = "ABT", ai = ai, mi = mi, ni = ni, data = d)
  bon <- data.frame(study = d$source, ni = d$ni, caregivers = d$caregivers, yi = as.numeric(ab$yi),
                    vi = as.numeric(ab$vi), stringsAsFactors = FALSE)
  case_grid("bonett2010", ds, bon, NULL, tests = "z")
  for (m in c("DL", "REML")) case_meta("bonett2010", ds, bon, NULL, m, "knha")
  case_subgroup("bonett2010", ds, bon, NULL, "caregivers", "REML")
  case_metareg("bonett2010", ds, bon, NULL, c("caregivers"), "REML", "knha")

  # -------- dat.kalaian1996: precomputed yi, vi (67 SAT coaching effects), factor outcome, numeric hrs
  d <- dat.kalaian1996
  ds <- "dat.kalaian1996"
  kal <- data.frame(study = d$study, year = d$year, outcome = d$outcome, hrs = d$hrs, yi = d$yi, vi = d$vi,
                    stringsAsFactors = FALSE)
  case_grid("kalaian1996", ds, kal, NULL)
  for (t in c("t", "adhoc")) for (m in c("DL", "REML", "PM")) case_meta("kalaian1996", ds, kal, NULL, m, t)
  case_meta("kalaian1996", ds, kal, NULL, "FE", "knha")
  # hrs is missing for one study (row 62): metafor omits it from a meta-regression on hrs
  kalc <- kal[!is.na(kal$hrs), ]
  rownames(kalc) <- NULL
  case_metareg("kalaian1996", ds, kalc, NULL, c("hrs"), "REML", "z", tag = "complete")
  case_metareg("kalaian1996", ds, kal, NULL, c("outcome"), "REML", "knha")
  case_metareg("kalaian1996", ds, kalc, NULL, c("outcome", "hrs"), "PM", "z", tag = "complete")
  case_metareg("kalaian1996", ds, kal, NULL, c("hrs"), "REML", "z", tag = "missing")
  for (t in c("t", "adhoc")) case_metareg("kalaian1996", ds, kalc, NULL, c("outcome", "hrs"), "DL", t, tag = "complete")
  # every estimator with moderators (the moment estimators have their own formulas for p > 1). Not SJIT: its
  # tau^2 is 0 here, where metafor's iteration stops ~3e-12 above 0 in both this model and the intercept-only
  # one, so that its R2 (14%) is a ratio of two stopping errors (documented difference 1), not a reference value
  for (m in setdiff(c("FE", RE_METHODS), "SJIT")) {
    case_metareg("kalaian1996", ds, kalc, NULL, c("outcome", "hrs"), m, "z", tag = "all")
  }
  case_subgroup("kalaian1996", ds, kal, NULL, "outcome", "REML")
  case_subgroup("kalaian1996", ds, kal, NULL, "outcome", "DL")
  case_bias("kalaian1996", ds, kal, NULL)
  case_sensitivity("kalaian1996", ds, kal, NULL)

  # -------- GENQ / GENQM with weights 1/vi (GENQ = DL), 1/sqrt(vi), sample sizes and equal weights (GENQ = HE)
  for (m in c("GENQ", "GENQM")) for (t in c("z", "knha")) {
    case_genq("kalaian1996", "dat.kalaian1996", kal, NULL, m, t, "inv", W_INV)
    case_genq("kalaian1996", "dat.kalaian1996", kal, NULL, m, t, "sqrt", W_SQRT)
    case_genq("kalaian1996", "dat.kalaian1996", kalc, NULL, m, t, "sqrt", W_SQRT, mods = c("outcome", "hrs"))
    case_genq("debruin2009", "dat.debruin2009", deb, "PLO", m, t, "n", W_N)
    case_genq("debruin2009", "dat.debruin2009", deb, "PLO", m, t, "n", W_N, mods = c("scq"))
    case_genq("gibson2002", "dat.gibson2002", gib, "SMD", m, t, "equal", W_ONE)
    case_genq("gibson2002", "dat.gibson2002", gib, "SMD", m, t, "inv", W_INV, mods = c("design"))
    case_genq("hart1999", "dat.hart1999", hart, "IRR", m, t, "inv", W_INV)
  }
  for (m in c("GENQ", "GENQM")) {
    case_genq("mcdaniel1994", "dat.mcdaniel1994", comp, "ZCOR", m, "z", "sqrt", W_SQRT, mods = c("type", "struct"))
    case_genq("nielweise2007", "dat.nielweise2007", niel, "OR", m, "z", "sqrt", W_SQRT)
  }

  # -------- leave-one-out and influence diagnostics of meta-regressions (kind sensitivity_metareg)
  b <- dat.bcg
  bcg <- data.frame(study = b$author, year = b$year, ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
                    ablat = b$ablat, alloc = b$alloc, stringsAsFactors = FALSE)
  ds <- "dat.bcg"
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat"), "REML", "z")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat"), "DL", "knha")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat", "year"), "REML", "knha")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat", "year"), "DL", "z")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("alloc"), "DL", "z")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("alloc", "ablat"), "REML", "knha")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat"), "REML", "adhoc")
  case_sensitivity_metareg("bcg", ds, bcg, "RR", c("ablat"), "FE", "z")
  # dat.molloy2014: 16 correlations (conscientiousness and medication adherence), numeric meanage and quality
  d <- dat.molloy2014
  mol <- data.frame(study = paste(d$authors, d$year), ni = d$ni, ri = d$ri, meanage = d$meanage,
                    quality = d$quality, stringsAsFactors = FALSE)
  case_sensitivity_metareg("molloy2014", "dat.molloy2014", mol, "ZCOR", c("meanage"), "REML", "z")
  case_sensitivity_metareg("molloy2014", "dat.molloy2014", mol, "ZCOR", c("quality"), "DL", "knha")
  case_sensitivity_metareg("molloy2014", "dat.molloy2014", mol, "ZCOR", c("meanage", "quality"), "REML", "knha")
  # dat.konstantopoulos2011: 56 schools (precomputed yi, vi), numeric year
  d <- dat.konstantopoulos2011
  kon <- data.frame(study = paste(d$district, d$school, sep = "-"), year = d$year, yi = as.numeric(d$yi),
                    vi = as.numeric(d$vi), stringsAsFactors = FALSE)
  case_sensitivity_metareg("konstantopoulos2011", "dat.konstantopoulos2011", kon, NULL, c("year"), "REML", "z")
  case_sensitivity_metareg("konstantopoulos2011", "dat.konstantopoulos2011", kon, NULL, c("year"), "DL", "knha")
  # a factor with levels of one study (dat.gibson2002 type 2, 4, 5): without such a study the model cannot be
  # refitted (NA rows), and its hat value is 1. (Not REML: without study 2, metafor's REML iteration stops at
  # tau^2 ~1e-12 where ours is 0, documented difference 1, which no --tau2 refit can compare row by row.)
  gibf <- gib
  gibf$typef <- paste0("type", gibf$type)
  case_sensitivity_metareg("gibson2002", "dat.gibson2002", gibf, "SMD", c("typef"), "DL", "knha")
  case_sensitivity_metareg("gibson2002", "dat.gibson2002", gibf, "SMD", c("typef"), "PM", "z")
  # dat.linde2005 trials with 2×2 data: preparation (11 levels, 7 of them with one trial), REML
  linc <- lin[!is.na(lin$ai) & !is.na(lin$ci), ]
  rownames(linc) <- NULL
  case_sensitivity_metareg("linde2005", "dat.linde2005", linc, "RR", c("prep"), "REML", "z")
  case_sensitivity_metareg("linde2005", "dat.linde2005", linc, "RR", c("prep", "major"), "REML", "knha")
  case_sensitivity_metareg("kalaian1996", "dat.kalaian1996", kalc, NULL, c("outcome", "hrs"), "REML", "knha")
  case_sensitivity_metareg("debruin2009", "dat.debruin2009", deb, "PLO", c("scq"), "DL", "z")
  case_sensitivity_metareg("debruin2009", "dat.debruin2009", deb, "PLO", c("ethnicity", "scq"), "REML", "z")

  # -------- leave1out / cumul / influence of GENQ fits (kind sensitivity_genq): dat.debruin2009 (weights: sample
  # sizes) and dat.gibson2002 (equal weights; inverse-variance weights with the factor design), z and knha
  for (t in c("z", "knha")) {
    case_sensitivity_genq("debruin2009", "dat.debruin2009", deb, "PLO", "GENQ", t, "n", W_N)
    case_sensitivity_genq("debruin2009", "dat.debruin2009", deb, "PLO", "GENQ", t, "n", W_N, mods = c("scq"))
    case_sensitivity_genq("gibson2002", "dat.gibson2002", gib, "SMD", "GENQ", t, "equal", W_ONE)
    case_sensitivity_genq("gibson2002", "dat.gibson2002", gib, "SMD", "GENQ", t, "inv", W_INV, mods = c("design"))
  }
  case_sensitivity_genq("debruin2009", "dat.debruin2009", deb, "PLO", "GENQ", "adhoc", "n", W_N)
}

# ------------------------------------------------------------------------------------------------ write

header <- paste0("{\"generator\": \"R metafor\", \"metafor_version\": ",
                 json_str(as.character(packageVersion("metafor"))), ",\n \"cases\": [\n")
body <- paste(vapply(cases, to_json, ""), collapse = ",\n")
con <- file(out_file, open = "w", encoding = "UTF-8")
writeLines(paste0(header, body, "\n]}"), con)
close(con)
kinds <- table(vapply(cases, function(c) c$call$kind, ""))
message("wrote ", length(cases), " cases to ", out_file, ": ",
        paste(names(kinds), kinds, sep = " ", collapse = ", "))
