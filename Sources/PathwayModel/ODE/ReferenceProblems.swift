/// Stiff initial-value problems with published reference solutions, as native models: the
/// solver tests check every stiff method against them, and `pathway-bench precision` draws the
/// work–precision figures from them. Not part of the public API.
///
/// Sources: the Test Set for IVP Solvers (F. Mazzia, C. Magherini et al., University of Bari,
/// release 2.4, 2008, https://archimede.uniba.it/~testset/; the `solut` routines of `hires.f`,
/// `pollu.f`, `e5.f`, `rober.f`, `vdpol.f`) and Hairer & Wanner, *Solving ODEs II*, §IV.10.
package struct ReferenceProblem: Sendable {
  package let name: String
  /// Where the equations and the reference come from.
  package let source: String
  /// The model, in the native YAML format (nodes y1…yn with their rate laws).
  package let yaml: String
  package let end: Double
  /// The published solution at `end`, per state variable.
  package let reference: [Double]
  /// The absolute tolerance used with a relative tolerance rtol is `rtol * atolRatio`: the scale
  /// below which a component's error stops mattering.
  package let atolRatio: Double

  /// The largest error over the components, each relative to max(|reference|, floor): components
  /// below `floor` (an absolute tolerance) count by their absolute error against it.
  package func error(of state: [Double], floor: Double) -> Double {
    var worst = 0.0
    for (value, exact) in zip(state, reference) {
      worst = max(worst, abs(value - exact) / max(abs(exact), floor))
    }
    return worst
  }

  /// HIRES, "High Irradiance RESponse" of plant photomorphogenesis (Schäfer 1975), 8 species.
  /// Reference: `hires.f` of the Test Set (RADAU5 at rtol = atol = 1.1e-18 in quadruple precision).
  package static let hires = ReferenceProblem(
    name: "HIRES", source: "Test Set for IVP Solvers, hires.f (Schäfer 1975; Hairer & Wanner II §IV.10)",
    yaml: """
      parameters: {k1: 1.71, k2: 0.43, k3: 8.32, k4: 0.69, k5: 0.035, k6: 8.32, k7: 280, k8: 0.69, k9: 0.69, oks: 0.0007}
      nodes:
        y1: {initial: 1, rate: -k1 * y1 + k2 * y2 + k6 * y3 + oks}
        y2: {initial: 0, rate: k1 * y1 - (k2 + k3) * y2}
        y3: {initial: 0, rate: -(k6 + k1) * y3 + k2 * y4 + k5 * y5}
        y4: {initial: 0, rate: k3 * y2 + k1 * y3 - (k4 + k2) * y4}
        y5: {initial: 0, rate: -(k5 + k1) * y5 + k2 * (y6 + y7)}
        y6: {initial: 0, rate: -k7 * y6 * y8 + k8 * y4 + k1 * y5 - k2 * y6 + k8 * y7}
        y7: {initial: 0, rate: k7 * y6 * y8 - (k2 + k8 + k9) * y7}
        y8: {initial: 0.0057, rate: -k7 * y6 * y8 + (k2 + k8 + k9) * y7}
      """,
    end: 321.8122,
    reference: [
      0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4, 0.1175651343283149e-2,
      0.2386356198831331e-2, 0.6238968252742796e-2, 0.2849998395185769e-2, 0.2850001604814231e-2,
    ],
    atolRatio: 1e-4)

  /// The air-pollution model of the Dutch National Institute of Public Health (Verwer 1994):
  /// 20 species, 25 reactions. Reference: `pollu.f` of the Test Set.
  package static let pollution = ReferenceProblem(
    name: "Pollution", source: "Test Set for IVP Solvers, pollu.f (Verwer 1994, SIAM J. Sci. Comput. 15)",
    yaml: """
      parameters:
        k1: 0.35
        k2: 26.6
        k3: 1.23e4
        k4: 8.6e-4
        k5: 8.2e-4
        k6: 1.5e4
        k7: 1.3e-4
        k8: 2.4e4
        k9: 1.65e4
        k10: 9.0e3
        k11: 0.022
        k12: 1.2e4
        k13: 1.88
        k14: 1.63e4
        k15: 4.8e6
        k16: 3.5e-4
        k17: 0.0175
        k18: 1.0e8
        k19: 4.44e11
        k20: 1.24e3
        k21: 2.1
        k22: 5.78
        k23: 0.0474
        k24: 1.78e3
        k25: 3.12
      assignments:
        r1: k1 * y1
        r2: k2 * y2 * y4
        r3: k3 * y5 * y2
        r4: k4 * y7
        r5: k5 * y7
        r6: k6 * y7 * y6
        r7: k7 * y9
        r8: k8 * y9 * y6
        r9: k9 * y11 * y2
        r10: k10 * y11 * y1
        r11: k11 * y13
        r12: k12 * y10 * y2
        r13: k13 * y14
        r14: k14 * y1 * y6
        r15: k15 * y3
        r16: k16 * y4
        r17: k17 * y4
        r18: k18 * y16
        r19: k19 * y16
        r20: k20 * y17 * y6
        r21: k21 * y19
        r22: k22 * y19
        r23: k23 * y1 * y4
        r24: k24 * y19 * y1
        r25: k25 * y20
      nodes:
        y1: {initial: 0, rate: -r1 - r10 - r14 - r23 - r24 + r2 + r3 + r9 + r11 + r12 + r22 + r25}
        y2: {initial: 0.2, rate: -r2 - r3 - r9 - r12 + r1 + r21}
        y3: {initial: 0, rate: -r15 + r1 + r17 + r19 + r22}
        y4: {initial: 0.04, rate: -r2 - r16 - r17 - r23 + r15}
        y5: {initial: 0, rate: -r3 + r4 + r4 + r6 + r7 + r13 + r20}
        y6: {initial: 0, rate: -r6 - r8 - r14 - r20 + r3 + r18 + r18}
        y7: {initial: 0.1, rate: -r4 - r5 - r6 + r13}
        y8: {initial: 0.3, rate: r4 + r5 + r6 + r7}
        y9: {initial: 0.01, rate: -r7 - r8}
        y10: {initial: 0, rate: -r12 + r7 + r9}
        y11: {initial: 0, rate: -r9 - r10 + r8 + r11}
        y12: {initial: 0, rate: r9}
        y13: {initial: 0, rate: -r11 + r10}
        y14: {initial: 0, rate: -r13 + r12}
        y15: {initial: 0, rate: r14}
        y16: {initial: 0, rate: -r18 - r19 + r16}
        y17: {initial: 0.007, rate: -r20}
        y18: {initial: 0, rate: r20}
        y19: {initial: 0, rate: -r21 - r22 - r24 + r23 + r25}
        y20: {initial: 0, rate: -r25 + r24}
      """,
    end: 60,
    reference: [
      0.5646255480022769e-01, 0.1342484130422339e+00, 0.4139734331099427e-08, 0.5523140207484359e-02,
      0.2018977262302196e-06, 0.1464541863493966e-06, 0.7784249118997964e-01, 0.3245075353396018e+00,
      0.7494013383880406e-02, 0.1622293157301561e-07, 0.1135863833257075e-07, 0.2230505975721359e-02,
      0.2087162882798630e-03, 0.1396921016840158e-04, 0.8964884856898295e-02, 0.4352846369330103e-17,
      0.6899219696263405e-02, 0.1007803037365946e-03, 0.1772146513969984e-05, 0.5682943292316392e-04,
    ],
    atolRatio: 1e-4)

  /// E5, the pyrolysis problem of the stiff DETEST set (Enright, Hull & Lindberg 1975), over
  /// 13 decades of time. Reference: `e5.f` of the Test Set (RADAU in quadruple precision).
  package static let e5 = ReferenceProblem(
    name: "E5", source: "Test Set for IVP Solvers, e5.f (Enright, Hull & Lindberg 1975; Hairer & Wanner II §IV.10)",
    yaml: """
      parameters: {A: 7.89e-10, B: 1.1e7, C: 1.13e3, M: 1.0e6}
      nodes:
        y1: {initial: 1.76e-3, rate: -A * y1 - B * y1 * y3}
        y2: {initial: 0, rate: A * y1 - M * C * y2 * y3}
        y3: {initial: 0, rate: A * y1 - M * C * y2 * y3 - B * y1 * y3 + C * y4}
        y4: {initial: 0, rate: B * y1 * y3 - C * y4}
      """,
    end: 1e13,
    reference: [0.1152903278711829e-290, 0.8867655517642120e-22, 0.8854814626268838e-22, 0],
    atolRatio: 1e-16)

  /// Robertson's chemical reaction to t = 10¹¹. Reference: `rober.f` of the Test Set.
  package static let robertson = ReferenceProblem(
    name: "Robertson", source: "Test Set for IVP Solvers, rober.f (Robertson 1966; Hairer & Wanner II §IV.1)",
    yaml: """
      nodes:
        y1: {initial: 1, rate: -0.04 * y1 + 1e4 * y2 * y3}
        y2: {initial: 0, rate: 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2^2}
        y3: {initial: 0, rate: 3e7 * y2^2}
      """,
    end: 1e11,
    reference: [0.2083340149701255e-7, 0.8333360770334713e-13, 0.9999999791665050],
    atolRatio: 1e-6)

  /// Van der Pol's oscillator with μ = 1000 (unscaled time), y(0) = (2, 0), to t = 2000.
  /// Reference: `vdpol.f` of the Test Set (RADAU in quadruple precision).
  package static let vanDerPol = ReferenceProblem(
    name: "van der Pol", source: "Test Set for IVP Solvers, vdpol.f (μ = 1000; Hairer & Wanner II §IV.10)",
    yaml: """
      parameters: {mu: 1000}
      nodes:
        y1: {initial: 2, rate: y2}
        y2: {initial: 0, rate: mu * (1 - y1^2) * y2 - y1}
      """,
    end: 2000,
    reference: [0.1706167732170469e1, -0.8928097010248125e-3],
    atolRatio: 1)

  package static let all = [robertson, hires, pollution, vanDerPol, e5]
}
