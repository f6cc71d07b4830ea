#!/usr/bin/env Rscript
# -----------------------------------------------------------------------------
# glmnet_reference.R -- how tests/data/glmnet_reference.json was produced.
#
# This script is NOT run by the test-suite (tests must never need R).  It is
# committed so that the fixture can be regenerated and audited.
#
# Usage (from the repository root):
#   Rscript scripts/glmnet_reference.R [SKLEARN_DATA_DIR] [OUT_JSON] [OUT_MULTINOMIAL_JSON]
# defaults:
#   SKLEARN_DATA_DIR = /tmp/probe-venv/lib/python3.11/site-packages/sklearn/datasets/data
#                      (any scikit-learn install: <sklearn package dir>/datasets/data)
#   OUT_JSON         = tests/data/glmnet_reference.json
#   OUT_MULTINOMIAL_JSON = tests/data/glmnet_multinomial.json  (family = "multinomial",
#                      written by the last section of this script; a separate file so that
#                      the gaussian/binomial/poisson fixture stays byte-identical)
#
# Made with: R 4.2.2, glmnet 4.1-6 (Debian package r-cran-glmnet 4.1-6).
# No R package besides glmnet (and its dependency Matrix) is needed; JSON is
# written by hand below, numbers with the shortest decimal form (<= 17
# significant digits) that reads back to the identical double.
#
# What glmnet minimises (see docs/conventions_evidence.md for the evidence):
#   gaussian: 1/(2 W) sum_i w_i (y_i - a0 - x_i'b)^2
#             + lambda * sum_j vq_j [ alpha s_j |b_j| + (1-alpha) s_j^2 b_j^2 / (2 s_y) ]
#   binomial, poisson: -1/W sum_i w_i loglik_i
#             + lambda * sum_j vq_j [ alpha s_j |b_j| + (1-alpha) s_j^2 b_j^2 / 2 ]
#   (poisson: log link, eta_i = offset_i + a0 + x_i'b with the log exposure as offset)
#   W = sum(w); s_j = weighted POPULATION sd of column j (weights w/W) when
#   standardize=TRUE, else 1; s_y = weighted population sd of y (ALWAYS, also
#   with standardize=FALSE); vq = penalty.factor * p / sum(penalty.factor).
# -----------------------------------------------------------------------------

suppressMessages(library(glmnet))

args <- commandArgs(trailingOnly = TRUE)
sk_dir <- if (length(args) >= 1) args[1] else
  "/tmp/probe-venv/lib/python3.11/site-packages/sklearn/datasets/data"
out_json <- if (length(args) >= 2) args[2] else "tests/data/glmnet_reference.json"
out_multinomial_json <- if (length(args) >= 3) args[3] else "tests/data/glmnet_multinomial.json"

THRESH <- 1e-26   # glmnet's default 1e-7 (and even 1e-14) is NOT accurate enough:
                  # its criterion is max_j xv_j * (delta b_j)^2 < thresh (squared,
                  # in standardized units); 1e-14 leaves relative errors up to 1e-5
                  # (2.5e-4 on single small coefficients) on the ill-conditioned raw
                  # diabetes data; 1e-26 gives <= 1.1e-11 (2.5e-10 per coefficient).
MAXIT  <- 1e8
# Never let glmnet stop a lambda path early (only relevant for the path check).
glmnet.control(fdev = 0, devmax = 1)

# ---------------------------------------------------------------- helpers ----
num <- function(x) {
  # shortest round-tripping decimal representation of a double
  vapply(x, function(v) {
    if (is.na(v)) return("null")
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), v)
      if (as.numeric(s) == v) return(s)
    }
    sprintf("%.17g", v)
  }, "")
}
jnum  <- function(x) if (length(x) == 1) num(x) else paste0("[", paste(num(x), collapse = ", "), "]")
jvec  <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
jstr  <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
jbool <- function(b) if (isTRUE(b)) "true" else "false"
jmat  <- function(M) paste0("[\n      ", paste(apply(M, 1, jvec), collapse = ",\n      "), "\n    ]")
jobj  <- function(kv, indent = "  ") {
  paste0("{\n", paste0(indent, "  ", jstr(names(kv)), ": ", unlist(kv), collapse = ",\n"),
         "\n", indent, "}")
}
wpsd <- function(v, w) { w <- w / sum(w); m <- sum(w * v); sqrt(sum(w * (v - m)^2)) }

# --------------------------------------------------------------- datasets ----
# 1. scikit-learn's raw diabetes data (442 x 10, unscaled; target = disease
#    progression), read from the csv.gz files shipped inside scikit-learn.
Xd <- as.matrix(read.table(gzfile(file.path(sk_dir, "diabetes_data_raw.csv.gz"))))
con <- gzfile(file.path(sk_dir, "diabetes_target.csv.gz"))
yd <- scan(con, quiet = TRUE)
close(con)
colnames(Xd) <- c("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")
stopifnot(nrow(Xd) == 442, ncol(Xd) == 10, length(yd) == 442)

# 2. diabetes X with binary target y > median(y)  (median = 140.5, no ties)
ydb <- as.numeric(yd > median(yd))

# 3. synthetic binary data, n = 200, p = 5, generated once with a fixed seed.
#    (R's default RNG: Mersenne-Twister / Inversion / Rejection.)  The stored
#    arrays in the JSON are the ground truth; X is rounded to 4 decimals so the
#    stored decimal values are exactly the doubles glmnet saw.
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20240607)
ns <- 200; ps <- 5
Z <- matrix(rnorm(ns * ps), ns, ps)
Z[, 2] <- 0.6 * Z[, 1] + 0.8 * Z[, 2]                 # correlated pair
scales  <- c(1, 3, 0.5, 10, 2)
centers <- c(0, 5, -1, 50, 0)
Xs <- round(sweep(sweep(Z, 2, scales, "*"), 2, centers, "+"), 4)
colnames(Xs) <- paste0("x", 1:ps)
eta_s <- -0.5 + drop(Z %*% c(1.0, -0.8, 0.5, 0.0, 0.3))
ys <- as.numeric(rbinom(ns, 1, plogis(eta_s)))

# 4. synthetic counts, n = 300, p = 6, with exposures (offset = log exposure),
#    generated after the binary data from the same RNG stream.
nc <- 300; pc <- 6
Zc <- matrix(rnorm(nc * pc), nc, pc)
Zc[, 2] <- 0.5 * Zc[, 1] + sqrt(0.75) * Zc[, 2]
Xc <- round(sweep(sweep(Zc, 2, c(1, 2, 0.5, 5, 1, 3), "*"), 2, c(0, 1, -1, 10, 0, 0), "+"), 4)
colnames(Xc) <- paste0("x", 1:pc)
expo <- round(runif(nc, 0.5, 4), 3)
offc <- log(expo)
yc <- as.numeric(rpois(nc, exp(offc + 0.3 + drop(Zc %*% c(0.5, -0.3, 0.25, 0, 0.1, 0)))))

datasets <- list(
  diabetes = list(
    description = paste("scikit-learn raw diabetes data (sklearn/datasets/data/diabetes_data_raw.csv.gz,",
                        "diabetes_target.csv.gz): 442 x 10 unscaled features, continuous target"),
    X = Xd, y = yd),
  diabetes_binary = list(
    description = "same X as 'diabetes'; y = 1 if diabetes target > median(target) (= 140.5) else 0",
    X = Xd, y = ydb),
  synthetic_binary = list(
    description = paste("synthetic n=200, p=5: Z ~ N(0,1) (set.seed(20240607)), Z2 <- 0.6 Z1 + 0.8 Z2,",
                        "X = round(Z * c(1,3,0.5,10,2) + c(0,5,-1,50,0), 4),",
                        "y ~ Bernoulli(plogis(-0.5 + Z %*% c(1,-0.8,0.5,0,0.3)))"),
    X = Xs, y = ys),
  synthetic_counts = list(
    description = paste("synthetic n=300, p=6 counts: Zc ~ N(0,1) (same stream after synthetic_binary),",
                        "Zc2 <- 0.5 Zc1 + sqrt(0.75) Zc2, X = round(Zc * c(1,2,0.5,5,1,3) + c(0,1,-1,10,0,0), 4),",
                        "exposure = round(runif(0.5, 4), 3), offset = log(exposure),",
                        "y ~ Poisson(exp(offset + 0.3 + Zc %*% c(0.5,-0.3,0.25,0,0.1,0)))"),
    X = Xc, y = yc, offset = offc)
)

# ------------------------------------------------------------------ cases ----
cases <- list()
add <- function(dataset, family, alpha, lambda, standardize,
                weights = NULL, penalty_factor = NULL, tag = "", use_offset = FALSE) {
  cases[[length(cases) + 1]] <<- list(dataset = dataset, family = family, alpha = alpha,
                                      lambda = lambda, standardize = standardize,
                                      weights = weights, penalty_factor = penalty_factor, tag = tag,
                                      use_offset = use_offset)
}
for (std in c(TRUE, FALSE)) for (a in c(1, 0.5, 0)) {
  for (lam in c(2, 20))       add("diabetes",         "gaussian", a, lam, std)
  for (lam in c(0.005, 0.05)) add("diabetes_binary",  "binomial", a, lam, std)
  for (lam in c(0.01, 0.1))   add("synthetic_binary", "binomial", a, lam, std)
}
# observation weights (glmnet normalises them to sum to 1 internally)
wd <- 1 + (seq_len(nrow(Xd)) %% 3)          # 1,2,3,1,2,3,...
wsyn <- 1 + (seq_len(ns) %% 4)              # 1..4
for (std in c(TRUE, FALSE)) {
  add("diabetes", "gaussian", 0.5, 2, std, weights = wd, tag = "weights")
  add("synthetic_binary", "binomial", 0.5, 0.01, std, weights = wsyn, tag = "weights")
}
# penalty.factor (glmnet rescales it to sum to p internally)
add("diabetes", "gaussian", 0.5, 2, TRUE,
    penalty_factor = c(0, 1, 2, 1, 1, 1, 1, 1, 1, 0.5), tag = "penalty_factor")
add("synthetic_binary", "binomial", 0.5, 0.01, TRUE,
    penalty_factor = c(0, 1, 1, 3, 1), tag = "penalty_factor")
# poisson (log link), with the log exposure as offset, observation weights and penalty.factor
wcnt <- 1 + (seq_len(nc) %% 3)
for (std in c(TRUE, FALSE)) for (a in c(1, 0.5, 0)) for (lam in c(0.03, 0.3))
  add("synthetic_counts", "poisson", a, lam, std, tag = "offset", use_offset = TRUE)
add("synthetic_counts", "poisson", 0.5, 0.2, TRUE, tag = "no_offset")
for (std in c(TRUE, FALSE))
  add("synthetic_counts", "poisson", 0.5, 0.2, std, weights = wcnt, tag = "offset_weights", use_offset = TRUE)
add("synthetic_counts", "poisson", 0.5, 0.2, TRUE, penalty_factor = c(0, 1, 2, 1, 1, 0.5),
    tag = "offset_penalty_factor", use_offset = TRUE)

fit_one <- function(cs, lambda_arg) {
  d <- datasets[[cs$dataset]]
  p <- ncol(d$X)
  w <- if (is.null(cs$weights)) rep(1, nrow(d$X)) else cs$weights
  pf <- if (is.null(cs$penalty_factor)) rep(1, p) else cs$penalty_factor
  off <- if (isTRUE(cs$use_offset)) d$offset else NULL
  f <- glmnet(d$X, d$y, family = cs$family, weights = w, alpha = cs$alpha,
              lambda = lambda_arg, standardize = cs$standardize, intercept = TRUE,
              penalty.factor = pf, thresh = THRESH, maxit = MAXIT, offset = off)
  k <- length(f$lambda)
  stopifnot(isTRUE(all.equal(f$lambda[k], cs$lambda, tolerance = 0)), f$jerr == 0)
  list(a0 = unname(f$a0[k]), beta = unname(as.numeric(f$beta[, k])), npasses = f$npasses)
}

case_json <- character(0)
max_path_diff <- 0
for (i in seq_along(cases)) {
  cs <- cases[[i]]
  d <- datasets[[cs$dataset]]
  n <- nrow(d$X); p <- ncol(d$X)
  w <- if (is.null(cs$weights)) rep(1, n) else cs$weights
  pf <- if (is.null(cs$penalty_factor)) rep(1, p) else cs$penalty_factor

  # (i) the reference fit: lambda passed directly, single value
  r1 <- fit_one(cs, cs$lambda)
  # (ii) check: decreasing path of 20 lambdas ending at lambda (warm starts)
  path <- exp(seq(log(50 * cs$lambda), log(cs$lambda), length.out = 20))
  path[20] <- cs$lambda                     # exactly the reference lambda
  r2 <- fit_one(cs, path)
  path_diff <- max(abs(c(r1$a0, r1$beta) - c(r2$a0, r2$beta))) / max(abs(c(r1$a0, r1$beta)))
  max_path_diff <- max(max_path_diff, path_diff)
  # (iii) check: weights are normalised internally (w and 7*w give the same fit)
  w_diff <- NA
  if (!is.null(cs$weights)) {
    cs7 <- cs; cs7$weights <- 7 * cs$weights
    r3 <- fit_one(cs7, cs$lambda)
    w_diff <- max(abs(c(r1$a0, r1$beta) - c(r3$a0, r3$beta))) / max(abs(c(r1$a0, r1$beta)))
  }

  # derived per-feature penalties of the bayesreg sum form (noise sigma = 1):
  W  <- sum(w)
  sj <- if (cs$standardize) apply(d$X, 2, wpsd, w = w) else rep(1, p)
  vq <- pf * p / sum(pf)
  sy <- if (cs$family == "gaussian") wpsd(d$y, w) else NA
  ridge_div <- if (cs$family == "gaussian") sy else 1
  l1 <- W * cs$lambda * cs$alpha * vq * sj
  l2 <- W * cs$lambda * (1 - cs$alpha) * vq * sj^2 / (2 * ridge_div)

  id <- sprintf("%s_%s_a%s_std%d_lam%s%s", cs$family, cs$dataset, format(cs$alpha),
                as.integer(cs$standardize), format(cs$lambda),
                if (nzchar(cs$tag)) paste0("_", cs$tag) else "")
  kv <- list(
    id = jstr(id),
    dataset = jstr(cs$dataset),
    family = jstr(cs$family),
    alpha = jnum(cs$alpha),
    lambda = jnum(cs$lambda),
    standardize = jbool(cs$standardize),
    intercept = "true",
    weights = if (is.null(cs$weights)) "null" else jvec(cs$weights),
    penalty_factor = if (is.null(cs$penalty_factor)) "null" else jvec(cs$penalty_factor),
    offset = jbool(isTRUE(cs$use_offset)),
    a0 = jnum(r1$a0),
    beta = jvec(r1$beta),
    n_nonzero = as.character(sum(r1$beta != 0)),
    npasses = as.character(r1$npasses),
    check_rel_diff_single_vs_path = jnum(path_diff),
    check_rel_diff_weights_times_7 = if (is.na(w_diff)) "null" else jnum(w_diff),
    x_scale = jvec(sj),
    y_pop_sd = if (is.na(sy)) "null" else jnum(sy),
    sum_weights = jnum(W),
    l1_sigma1 = jvec(l1),
    l2_sigma1 = jvec(l2)
  )
  case_json <- c(case_json, jobj(kv, indent = "    "))
  cat(sprintf("%-60s nnz=%2d passes=%7d path_rel_diff=%.2g\n", id, sum(r1$beta != 0),
              r1$npasses, path_diff))
}

ds_json <- vapply(names(datasets), function(nm) {
  d <- datasets[[nm]]
  paste0("  ", jstr(nm), ": {\n",
         "    \"description\": ", jstr(d$description), ",\n",
         "    \"n\": ", nrow(d$X), ",\n",
         "    \"p\": ", ncol(d$X), ",\n",
         "    \"feature_names\": [", paste(jstr(colnames(d$X)), collapse = ", "), "],\n",
         "    \"X\": ", jmat(d$X), ",\n",
         "    \"y\": ", jvec(d$y),
         if (is.null(d$offset)) "" else paste0(",\n    \"offset\": ", jvec(d$offset)), "\n  }")
}, "")

meta <- list(
  generator = jstr("scripts/glmnet_reference.R"),
  glmnet_version = jstr(packageDescription("glmnet")$Version),
  r_version = jstr(R.version.string),
  thresh = jnum(THRESH),
  maxit = jnum(MAXIT),
  glmnet_control = jstr("glmnet.control(fdev = 0, devmax = 1); all else default"),
  lambda_passing = jstr(paste("lambda passed directly as a single value (reference result);",
                              "also refitted with a 20-value decreasing geometric path 50*lambda..lambda",
                              "(check_rel_diff_single_vs_path)")),
  max_rel_diff_single_vs_path = jnum(max_path_diff),
  objective = jstr(paste(
    "gaussian: 1/(2W) sum w_i (y_i - a0 - x_i'b)^2 + lambda sum_j vq_j [alpha s_j |b_j| + (1-alpha) s_j^2 b_j^2/(2 s_y)];",
    "binomial: -(1/W) sum w_i [y_i eta_i - log(1+exp(eta_i))] + lambda sum_j vq_j [alpha s_j |b_j| + (1-alpha) s_j^2 b_j^2/2];",
    "poisson: -(1/W) sum w_i [y_i eta_i - exp(eta_i)] + (same penalty as binomial), eta_i = offset_i + a0 + x_i'b",
    "(offset = datasets[dataset].offset when the case's offset is true);",
    "W = sum w; s_j = x_scale (weighted population sd if standardize else 1); s_y = y_pop_sd;",
    "vq = penalty_factor * p / sum(penalty_factor)")),
  mapping = jstr(paste(
    "bayesreg sum form F = NLL + sum_j l1_j|b_j| + l2_j b_j^2 with sample weights s_i = w_i:",
    "gaussian l1_j = W lambda alpha vq_j s_j / sigma^2, l2_j = W lambda (1-alpha) vq_j s_j^2 / (2 s_y sigma^2);",
    "binomial and poisson l1_j = W lambda alpha vq_j s_j, l2_j = W lambda (1-alpha) vq_j s_j^2 / 2.",
    "l1_sigma1 / l2_sigma1 are these values with sigma = 1 (derived by this script, not output by glmnet).")),
  coefficient_order = jstr("beta[j] corresponds to column j of the dataset X (original, unstandardized scale); a0 = intercept")
)

json <- paste0("{\n",
               "\"meta\": ", jobj(meta, indent = ""), ",\n",
               "\"datasets\": {\n", paste(ds_json, collapse = ",\n"), "\n},\n",
               "\"cases\": [\n    ", paste(case_json, collapse = ",\n    "), "\n]\n}\n")
dir.create(dirname(out_json), showWarnings = FALSE, recursive = TRUE)
writeLines(json, out_json)
cat("wrote", out_json, "(", file.size(out_json), "bytes,", length(cases), "cases )\n")
cat("max rel diff single-lambda vs path:", max_path_diff, "\n")

# =============================================================================
# family = "multinomial" (type.multinomial = "ungrouped", the default)
# =============================================================================
# glmnet minimises (Friedman, Hastie & Tibshirani 2010, sec. 4; vignette "Multinomial Regression")
#   -(1/W) sum_i w_i log softmax(b0 + B x_i)_{y_i}
#     + lambda sum_j vq_j sum_k [ (1-alpha)/2 s_j^2 B_kj^2 + alpha s_j |B_kj| ]
# with B (K x p) on the original scale, s_j the weighted population sd of column j
# (standardize=TRUE; centred even with intercept=FALSE), else 1, and vq as above.
# What glmnet reports (checked below for every case and stored as sum_a0 / max_abs_colsum_beta):
#   * the intercepts are centred: sum_k a0_k = 0 (the likelihood only sees their differences);
#   * the coefficients are NOT centred: per column, B_.j is shifted by the c minimising the
#     penalty sum_k P_alpha(B_kj - c) (the penalised optimum does that by itself): column sums
#     are 0 only for alpha = 0 (ridge); for alpha = 1 the column's median is 0;
#   * an unpenalised column (penalty.factor 0) has no such shift: glmnet reports it centred
#     (sum_k B_kj = 0), like the intercepts.
# The lasso optimum is unique only for odd K (a unique median); the K = 4 data set therefore has
# no alpha = 1 cases.
MTHRESHS <- c(1e-22, 1e-20, 1e-18)  # tried in turn (maxit = MMAXIT each); the first that converges is
                                     # used and stored per case as "thresh". 1e-26 does not converge on
                                     # the unstandardised wine data (proline ~ 1e3): glmnet's passes stall
                                     # at round-off. The results agree with the independent NumPy solver
                                     # (bayesreg/reference/multinomial.py, KKT residual <= 1e-12) to ~1e-10.
MMAXIT <- 2e6

wine_csv <- file.path(sk_dir, "wine_data.csv")  # first line: "178,13,class_0,class_1,class_2"
wd_raw <- read.csv(wine_csv, skip = 1, header = FALSE)
Xw <- as.matrix(wd_raw[, 1:13])
yw <- as.numeric(wd_raw[, 14])
colnames(Xw) <- c("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
                  "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                  "od280/od315_of_diluted_wines", "proline")
stopifnot(nrow(Xw) == 178, ncol(Xw) == 13, all(sort(unique(yw)) == 0:2))

# synthetic K = 4 classes, n = 200, p = 6 (its own seed: the streams above are unchanged)
set.seed(20261130)
nm <- 200; pm <- 6; Km <- 4
Zm <- matrix(rnorm(nm * pm), nm, pm)
Zm[, 2] <- 0.6 * Zm[, 1] + 0.8 * Zm[, 2]
Xm <- round(sweep(sweep(Zm, 2, c(1, 2, 0.5, 4, 1, 10), "*"), 2, c(0, 3, -1, 20, 0, 100), "+"), 4)
colnames(Xm) <- paste0("x", 1:pm)
Btrue <- rbind(c(1.0, -0.5, 0.0, 0.5, 0.0, 0.0),
               c(-0.5, 1.0, 0.5, 0.0, 0.0, 0.3),
               c(0.0, 0.0, -1.0, -0.5, 0.0, 0.0),
               c(0.0, 0.0, 0.0, 0.0, 0.0, -0.3))
eta_m <- sweep(Zm %*% t(Btrue), 2, c(0.2, 0, -0.2, 0.1), "+")
prob_m <- exp(eta_m) / rowSums(exp(eta_m))
ym <- apply(prob_m, 1, function(pr) which(rmultinom(1, 1, pr) == 1) - 1)
ym <- as.numeric(ym)
stopifnot(all(sort(unique(ym)) == 0:3))

mdatasets <- list(
  wine = list(
    description = paste("scikit-learn's wine data (sklearn/datasets/data/wine_data.csv; UCI Wine,",
                        "Forina et al.): 178 x 13 unscaled features, 3 classes coded 0, 1, 2"),
    X = Xw, y = yw),
  synthetic_multiclass = list(
    description = paste("synthetic n=200, p=6, K=4: Z ~ N(0,1) (set.seed(20261130)), Z2 <- 0.6 Z1 + 0.8 Z2,",
                        "X = round(Z * c(1,2,0.5,4,1,10) + c(0,3,-1,20,0,100), 4),",
                        "y - 1 ~ Categorical(softmax(Z %*% t(Btrue) + c(0.2,0,-0.2,0.1))), Btrue in the script"),
    X = Xm, y = ym)
)

mcases <- list()
madd <- function(dataset, alpha, lambda, standardize, weights = NULL, penalty_factor = NULL,
                 intercept = TRUE, tag = "") {
  mcases[[length(mcases) + 1]] <<- list(dataset = dataset, alpha = alpha, lambda = lambda,
                                        standardize = standardize, weights = weights,
                                        penalty_factor = penalty_factor, intercept = intercept, tag = tag)
}
for (std in c(TRUE, FALSE)) {
  for (a in c(1, 0.5, 0)) for (lam in c(0.01, 0.1)) madd("wine", a, lam, std)
  for (a in c(0.5, 0))     for (lam in c(0.01, 0.1)) madd("synthetic_multiclass", a, lam, std)
}
ww <- 1 + (seq_len(nrow(Xw)) %% 3)
wm <- 1 + (seq_len(nm) %% 4)
for (std in c(TRUE, FALSE)) {
  madd("wine", 1, 0.02, std, weights = ww, tag = "weights")
  madd("synthetic_multiclass", 0.5, 0.02, std, weights = wm, tag = "weights")
}
madd("wine", 0.5, 0.02, TRUE, weights = ww, tag = "weights_alpha0.5")
madd("wine", 1, 0.02, TRUE, penalty_factor = c(0, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 0.5, 1), tag = "penalty_factor")
madd("wine", 0.5, 0.02, FALSE, penalty_factor = c(1, 1, 0, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1), tag = "penalty_factor")
madd("synthetic_multiclass", 0.5, 0.02, TRUE, penalty_factor = c(0, 1, 2, 1, 1, 1), tag = "penalty_factor")
madd("wine", 0.5, 0.02, TRUE, intercept = FALSE, tag = "no_intercept")
madd("wine", 1, 0.02, FALSE, intercept = FALSE, tag = "no_intercept")
madd("synthetic_multiclass", 0, 0.02, TRUE, intercept = FALSE, tag = "no_intercept")

mfit_one <- function(cs, lambda_arg) {
  d <- mdatasets[[cs$dataset]]
  p <- ncol(d$X)
  w <- if (is.null(cs$weights)) rep(1, nrow(d$X)) else cs$weights
  pf <- if (is.null(cs$penalty_factor)) rep(1, p) else cs$penalty_factor
  for (th in MTHRESHS) {
    f <- tryCatch(suppressWarnings(
      glmnet(d$X, factor(d$y), family = "multinomial", type.multinomial = "ungrouped", weights = w,
             alpha = cs$alpha, lambda = lambda_arg, standardize = cs$standardize, intercept = cs$intercept,
             penalty.factor = pf, thresh = th, maxit = MMAXIT)), error = function(e) NULL)
    if (!is.null(f) && f$jerr == 0 && length(f$lambda) == length(lambda_arg)) break
    f <- NULL
  }
  if (is.null(f)) return(NULL)
  k <- length(f$lambda)
  stopifnot(isTRUE(all.equal(f$lambda[k], cs$lambda, tolerance = 0)), f$jerr == 0)
  B <- t(vapply(f$beta, function(b) as.numeric(b[, k]), numeric(p)))   # K x p, rows = classes
  list(a0 = unname(f$a0[, k]), B = unname(B), npasses = f$npasses, thresh = th)
}

mcase_json <- character(0)
max_mpath_diff <- 0
for (i in seq_along(mcases)) {
  cs <- mcases[[i]]
  d <- mdatasets[[cs$dataset]]
  n <- nrow(d$X); p <- ncol(d$X); K <- length(unique(d$y))
  w <- if (is.null(cs$weights)) rep(1, n) else cs$weights
  pf <- if (is.null(cs$penalty_factor)) rep(1, p) else cs$penalty_factor
  r1 <- mfit_one(cs, cs$lambda)
  stopifnot(!is.null(r1))
  path <- exp(seq(log(50 * cs$lambda), log(cs$lambda), length.out = 20))
  path[20] <- cs$lambda
  r2 <- mfit_one(cs, path)              # a check only: NULL (null in the JSON) if it does not converge
  scale1 <- max(abs(c(r1$a0, r1$B)))
  path_diff <- if (is.null(r2)) NA else max(abs(c(r1$a0, r1$B) - c(r2$a0, r2$B))) / scale1
  if (!is.na(path_diff)) max_mpath_diff <- max(max_mpath_diff, path_diff)
  w_diff <- NA
  if (!is.null(cs$weights)) {
    cs7 <- cs; cs7$weights <- 7 * cs$weights
    r3 <- mfit_one(cs7, cs$lambda)
    w_diff <- if (is.null(r3)) NA else max(abs(c(r1$a0, r1$B) - c(r3$a0, r3$B))) / scale1
  }
  W  <- sum(w)
  sj <- if (cs$standardize) apply(d$X, 2, wpsd, w = w) else rep(1, p)
  vq <- pf * p / sum(pf)
  l1 <- W * cs$lambda * cs$alpha * vq * sj
  l2 <- W * cs$lambda * (1 - cs$alpha) * vq * sj^2 / 2
  id <- sprintf("multinomial_%s_a%s_std%d_lam%s%s", cs$dataset, format(cs$alpha),
                as.integer(cs$standardize), format(cs$lambda),
                if (nzchar(cs$tag)) paste0("_", cs$tag) else "")
  kv <- list(
    id = jstr(id),
    dataset = jstr(cs$dataset),
    family = jstr("multinomial"),
    type_multinomial = jstr("ungrouped"),
    alpha = jnum(cs$alpha),
    lambda = jnum(cs$lambda),
    standardize = jbool(cs$standardize),
    intercept = jbool(cs$intercept),
    weights = if (is.null(cs$weights)) "null" else jvec(cs$weights),
    penalty_factor = if (is.null(cs$penalty_factor)) "null" else jvec(cs$penalty_factor),
    n_classes = as.character(K),
    a0 = jvec(r1$a0),
    beta = jmat(r1$B),
    n_nonzero = as.character(sum(r1$B != 0)),
    sum_a0 = jnum(sum(r1$a0)),
    max_abs_colsum_beta = jnum(max(abs(colSums(r1$B)))),
    npasses = as.character(r1$npasses),
    thresh = jnum(r1$thresh),
    check_rel_diff_single_vs_path = if (is.na(path_diff)) "null" else jnum(path_diff),
    check_rel_diff_weights_times_7 = if (is.na(w_diff)) "null" else jnum(w_diff),
    x_scale = jvec(sj),
    sum_weights = jnum(W),
    l1_sigma1 = jvec(l1),
    l2_sigma1 = jvec(l2)
  )
  mcase_json <- c(mcase_json, jobj(kv, indent = "    "))
  cat(sprintf("%-64s nnz=%2d passes=%8d thresh=%g path_rel_diff=%.2g sum_a0=%.1g\n", id, sum(r1$B != 0),
              r1$npasses, r1$thresh, path_diff, sum(r1$a0)))
}

mds_json <- vapply(names(mdatasets), function(nm) {
  d <- mdatasets[[nm]]
  paste0("  ", jstr(nm), ": {\n",
         "    \"description\": ", jstr(d$description), ",\n",
         "    \"n\": ", nrow(d$X), ",\n",
         "    \"p\": ", ncol(d$X), ",\n",
         "    \"classes\": ", jvec(sort(unique(d$y))), ",\n",
         "    \"feature_names\": [", paste(jstr(colnames(d$X)), collapse = ", "), "],\n",
         "    \"X\": ", jmat(d$X), ",\n",
         "    \"y\": ", jvec(d$y), "\n  }")
}, "")

mmeta <- list(
  generator = jstr("scripts/glmnet_reference.R (multinomial section)"),
  glmnet_version = jstr(packageDescription("glmnet")$Version),
  r_version = jstr(R.version.string),
  thresh = jnum(max(MTHRESHS)),
  thresh_tried = jvec(MTHRESHS),
  maxit = jnum(MMAXIT),
  glmnet_control = jstr("glmnet.control(fdev = 0, devmax = 1); all else default"),
  call = jstr(paste("glmnet(X, factor(y), family = 'multinomial', type.multinomial = 'ungrouped', weights,",
                    "alpha, lambda, standardize, intercept, penalty.factor, thresh, maxit)")),
  max_rel_diff_single_vs_path = jnum(max_mpath_diff),
  objective = jstr(paste(
    "-(1/W) sum_i w_i [eta_{i,y_i} - log sum_k exp(eta_ik)] + lambda sum_j vq_j sum_k [(1-alpha)/2 s_j^2 B_kj^2",
    "+ alpha s_j |B_kj|], eta_ik = a0_k + sum_j B_kj x_ij; W = sum w; s_j = x_scale (weighted population sd,",
    "centred also when intercept is false, if standardize, else 1); vq = penalty_factor * p / sum(penalty_factor)")),
  centring = jstr(paste(
    "glmnet reports centred intercepts (sum_k a0_k = 0, see sum_a0) but does NOT centre the coefficients:",
    "each column B_.j is the penalised optimum, which shifts it by the c minimising sum_k P_alpha(B_kj - c);",
    "its column sums (max_abs_colsum_beta) are 0 only for alpha = 0, and for alpha = 1 its median is 0.",
    "An unpenalised column (penalty_factor 0) is not identified by the objective: glmnet reports it centred (sum_k B_kj = 0).",
    "The lasso optimum is unique only for odd K, so the K = 4 data set has no alpha = 1 case.")),
  mapping = jstr(paste(
    "bayesreg sum form F = NLL + sum_kj l1_j |B_kj| + l2_j B_kj^2 with sample weights w_i:",
    "l1_j = W lambda alpha vq_j s_j, l2_j = W lambda (1-alpha) vq_j s_j^2 / 2 (the same for every class k;",
    "derived by this script, not output by glmnet)")),
  coefficient_order = jstr(paste("beta[k][j]: class classes[k] (sorted labels, glmnet's factor levels), column j of X",
                                 "(original scale); a0[k] its intercept"))
)
mjson <- paste0("{\n",
                "\"meta\": ", jobj(mmeta, indent = ""), ",\n",
                "\"datasets\": {\n", paste(mds_json, collapse = ",\n"), "\n},\n",
                "\"cases\": [\n    ", paste(mcase_json, collapse = ",\n    "), "\n]\n}\n")
writeLines(mjson, out_multinomial_json)
cat("wrote", out_multinomial_json, "(", file.size(out_multinomial_json), "bytes,", length(mcases), "cases )\n")
cat("multinomial: max rel diff single-lambda vs path:", max_mpath_diff, "\n")
