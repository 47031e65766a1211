# P(Q > q) for Q = sum(lambda_j * chi2_{h_j}(delta_j)), Imhof (1961), Biometrika 48:419-426, eq. 3.2:
#   P(Q > q) = 1/2 + (1/pi) int_0^Inf sin(theta(u)) / (u rho(u)) du
#   theta(u) = 1/2 sum(h_j atan(lambda_j u) + delta_j lambda_j u / (1 + lambda_j^2 u^2)) - q u / 2
#   rho(u)   = prod((1 + lambda_j^2 u^2)^(h_j/4) exp(delta_j lambda_j^2 u^2 / (2 (1 + lambda_j^2 u^2))))
# the same integral as the sum over 1024 equal parts (when one call of integrate() reports a roundoff problem)
.pieces <- function(f, lower, upper) {
  x <- seq(lower, upper, length.out = 1025)
  sum(vapply(seq_len(1024), function(i) {
    integrate(f, x[i], x[i + 1], rel.tol = 1e-10, abs.tol = 1e-16, subdivisions = 10000L, stop.on.error = FALSE)$value
  }, 0))
}

.imhof_upper <- function(q, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda))) {
  f <- function(u) {
    out <- numeric(length(u))
    for (i in seq_along(u)) {
      x <- u[i]
      if (x == 0) {
        out[i] <- 0.5 * (sum(h * lambda + delta * lambda) - q)
        next
      }
      l2 <- lambda^2 * x^2
      th <- 0.5 * sum(h * atan(lambda * x) + delta * lambda * x / (1 + l2)) - 0.5 * q * x
      lr <- sum(h / 4 * log1p(l2) + delta * l2 / (2 * (1 + l2)))
      out[i] <- sin(th) / (x * exp(lr))
    }
    out
  }
  # the integrand decays like u^(-1 - H/2), H = sum(h): integrate piece by piece over doubling intervals until
  # the bound on the rest, int_U^Inf du / (u prod (lambda_j u)^(h_j/2)) = 2 U^(-H/2) prod lambda_j^(-h_j/2) / H,
  # is below 1e-17
  H <- sum(h)
  lognorm <- -sum(h / 2 * log(abs(lambda)))
  lower <- 0
  upper <- 0.5 / max(abs(lambda))
  total <- 0
  for (j in seq_len(80)) {
    if (j == 80) stop("Imhof stand-in: the integrand decays too slowly (sum(h) too small) for this quadrature")
    piece <- tryCatch(integrate(f, lower, upper, rel.tol = 1e-12, abs.tol = 1e-15, subdivisions = 10000L)$value,
                      error = function(e) .pieces(f, lower, upper))
    total <- total + piece
    if (log(2 / H) + lognorm - H / 2 * log(upper) < log(1e-17)) break
    lower <- upper
    upper <- 2 * upper
  }
  0.5 + total / pi
}

imhof <- function(q, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda)),
                  epsabs = 1e-6, epsrel = 1e-6, limit = 10000) {
  assign("last_call", "imhof", envir = .stub_env)
  list(Qq = .imhof_upper(q, lambda, h, delta), abserr = 0)
}

davies <- function(q, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda)), sigma = 0,
                   lim = 10000, acc = 1e-04) {
  assign("last_call", "davies", envir = .stub_env)
  list(trace = rep(0, 7), ifault = 0, Qq = .imhof_upper(q, lambda, h, delta))
}

farebrother <- function(q, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda)), maxit = 100000,
                        eps = 10^(-10), mode = 1) {
  assign("last_call", "farebrother", envir = .stub_env)
  Qq <- .imhof_upper(q, lambda, h, delta)
  list(dnsty = NA_real_, ifault = 0, Qq = Qq)
}

.stub_env <- new.env()
