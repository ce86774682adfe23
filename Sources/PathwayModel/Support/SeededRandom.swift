/// Seeded pseudo-random numbers that give the same sequence on every platform and toolchain.
///
/// `SplitMix64` (Steele, Lea & Flood 2014) turns any 64-bit seed, including 0, into well-mixed
/// words; it seeds `Xoshiro256StarStar` (Blackman & Vigna 2018), the generator simulations use.
/// Bounded integers and doubles are derived here rather than through the standard library's
/// `random(in:using:)`, whose algorithm is not promised to stay the same across Swift releases:
/// a seed written into a manifest must reproduce the run years later.

/// SplitMix64: a 64-bit state advanced by a Weyl sequence and mixed by a finaliser.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inline(__always)
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// xoshiro256**: 256 bits of state, period 2²⁵⁶ − 1, fast and statistically strong.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// Seeds the four state words from `SplitMix64(seed)`, as the authors recommend.
  public init(seed: UInt64) {
    var mixer = SplitMix64(seed: seed)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
  }

  /// The generator of run `index` of a family seeded by `seed` (a sweep's runs, an attractor
  /// search's samples): independent streams that do not depend on how runs are scheduled.
  public init(seed: UInt64, stream index: UInt64) {
    self.init(seed: SeededRandom.derivedSeed(seed, index))
  }

  @inline(__always)
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }
}

/// Helpers shared by every seeded generator.
public enum SeededRandom {
  /// A seed for stream `index` of the family `seed`: both words mixed through SplitMix64, so that
  /// neighbouring indices give unrelated streams.
  public static func derivedSeed(_ seed: UInt64, _ index: UInt64) -> UInt64 {
    var mixer = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
    _ = mixer.next()
    return mixer.next()
  }
}

extension RandomNumberGenerator {
  /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject method; exact, no modulo bias).
  @inline(__always)
  public mutating func next(below bound: Int) -> Int {
    precondition(bound > 0, "the bound must be positive")
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold {
        product = next().multipliedFullWidth(by: b)
      }
    }
    return Int(product.high)
  }

  /// A uniform double in [0, 1) with 53 random bits.
  @inline(__always)
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }
}
