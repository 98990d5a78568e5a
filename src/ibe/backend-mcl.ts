/**
 * The fast backend: herumi's mcl compiled to WebAssembly (mcl-wasm), about ten
 * times quicker than pure JavaScript for a pairing. Chosen by configuration
 * (`keyserver.ibe.backend`); it must give the noble backend's bytes exactly,
 * which test/unit/ibe/backends-agree.test.ts checks on fixed inputs.
 *
 * mcl keeps its settings (serialisation, map-to mode, hash-to-curve DST) in
 * process-wide state; this module is its only user and sets them once, except
 * the DST, which it switches only when a call asks for a different one.
 */
import { createRequire } from 'node:module';
import mcl from 'mcl-wasm';
import { LRUCache } from 'lru-cache';
import { cachedBy, identityCacheKey, sameBytes, type PairingBackend } from './backend.js';
import { G2_GENERATOR_BYTES } from './points.js';

type G1 = InstanceType<typeof mcl.G1>;
type G2 = InstanceType<typeof mcl.G2>;
type GT = InstanceType<typeof mcl.GT>;
type Precomputed = InstanceType<typeof mcl.PrecomputedG2>;

/** The raw emscripten module: the JavaScript wrapper does not expose mclBnG1_setDst. */
interface MclModule {
  _malloc(size: number): number;
  _free(pointer: number): void;
  _mclBnG1_setDst(dst: number, size: number): number;
  HEAP8: Int8Array;
}

const FP2_BYTES = 96;

/**
 * mcl (in Ethereum serialisation) writes GT as six Fp2 values from the lowest
 * to the highest, each as c1 then c0; kyber wants the same Fp2 values from the
 * highest to the lowest, each also c1 then c0: reverse the 96-byte blocks.
 */
export function mclGtToKyberBytes(gt: GT): Uint8Array {
  const raw = gt.serialize();
  const out = new Uint8Array(raw.length);
  const blocks = raw.length / FP2_BYTES;
  for (let i = 0; i < blocks; i++) out.set(raw.subarray(i * FP2_BYTES, (i + 1) * FP2_BYTES), (blocks - 1 - i) * FP2_BYTES);
  return out;
}

function scalar(n: bigint): InstanceType<typeof mcl.Fr> {
  const fr = new mcl.Fr();
  fr.setStr(n.toString(16), 16);
  return fr;
}

function g1FromBytes(bytes: Uint8Array): G1 {
  const point = new mcl.G1();
  point.deserialize(bytes);
  if (point.isZero() || !point.isValidOrder() || !sameBytes(point.serialize(), bytes)) throw new Error('not a canonical G1 point');
  return point;
}

function g2FromBytes(bytes: Uint8Array): G2 {
  const point = new mcl.G2();
  point.deserialize(bytes);
  if (point.isZero() || !point.isValidOrder() || !sameBytes(point.serialize(), bytes)) throw new Error('not a canonical G2 point');
  return point;
}

let initialised: Promise<MclModule> | undefined;

function initMcl(): Promise<MclModule> {
  initialised ??= (async () => {
    await mcl.init(mcl.BLS12_381);
    mcl.setETHserialization(true); // ZCash/IETF compressed points, big-endian field elements
    mcl.setMapToMode(mcl.IRTF); // RFC 9380 hash-to-curve (SSWU, random oracle)
    mcl.verifyOrderG1(true);
    mcl.verifyOrderG2(true);
    return createRequire(import.meta.url)('mcl-wasm/dist/mcl.js').mod as MclModule;
  })();
  return initialised;
}

interface PreparedMasterKey { point: G2; lines: Precomputed; negatedLines: Precomputed }

export async function createMclBackend(): Promise<PairingBackend> {
  const mod = await initMcl();
  let currentDst: string | undefined;
  const generator = g2FromBytes(G2_GENERATOR_BYTES);
  const generatorLines = new mcl.PrecomputedG2(generator);
  const hashed = new LRUCache<string, G1>({ max: 1024 });
  // Precomputed lines live in WebAssembly memory: free them when evicted.
  const masterKeys = new LRUCache<string, PreparedMasterKey>({
    max: 16,
    dispose: (v) => { v.lines.destroy(); v.negatedLines.destroy(); },
  });
  const identityKeys = new LRUCache<string, G1>({ max: 4096 });

  function useDst(dst: string): void {
    if (dst === currentDst) return;
    const bytes = Buffer.from(dst, 'utf8');
    const pointer = mod._malloc(bytes.length);
    try {
      mod.HEAP8.set(bytes, pointer);
      if (mod._mclBnG1_setDst(pointer, bytes.length) !== 0) throw new Error('mcl refused the hash-to-curve DST');
    } finally {
      mod._free(pointer);
    }
    currentDst = dst;
  }

  function hashToG1(identity: Uint8Array, dst: string): G1 {
    return cachedBy(hashed, identityCacheKey(identity, dst), () => {
      useDst(dst);
      const point = new mcl.G1();
      point.setHashOf(identity);
      return point;
    });
  }

  function masterKey(mpk: Uint8Array): PreparedMasterKey {
    return cachedBy(masterKeys, Buffer.from(mpk).toString('base64'), () => {
      const point = g2FromBytes(mpk);
      return { point, lines: new mcl.PrecomputedG2(point), negatedLines: new mcl.PrecomputedG2(mcl.neg(point)) };
    });
  }

  function identityKey(bytes: Uint8Array): G1 {
    return cachedBy(identityKeys, Buffer.from(bytes).toString('base64'), () => g1FromBytes(bytes));
  }

  return {
    name: 'mcl',
    masterPublicKey: (secret) => mcl.mul(generator, scalar(secret)).serialize(),
    extract: (secret, identity, dst) => mcl.mul(hashToG1(identity, dst), scalar(secret)).serialize(),
    mulG2Base: (r) => mcl.mul(generator, scalar(r)).serialize(),
    pairIdentity(mpk, identity, dst, r) {
      const { lines } = masterKey(mpk);
      const point = mcl.mul(hashToG1(identity, dst), scalar(r));
      return mclGtToKyberBytes(mcl.finalExp(mcl.precomputedMillerLoop(point, lines)));
    },
    pairKey: (key, U) => mclGtToKyberBytes(mcl.pairing(identityKey(key), g2FromBytes(U))),
    verifyIdentityKey(mpk, identity, key, dst) {
      const { negatedLines } = masterKey(mpk);
      // e(key, G2) * e(H1(id), -mpk) == 1, in one Miller loop and one final exponentiation.
      const product = mcl.precomputedMillerLoop2(identityKey(key), generatorLines, hashToG1(identity, dst), negatedLines);
      return mcl.finalExp(product).isOne();
    },
    checkMasterPublicKey: (mpk) => void masterKey(mpk),
    checkIdentityKey: (key) => void identityKey(key),
  };
}
