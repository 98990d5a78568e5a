/**
 * Keeps every XML answer a conformance suite received over HTTP and checks
 * them all against the OASIS schema with xmllint (scripts/conformance.mjs:
 * a bare batchResponse against dsmlv2.xsd, SOAP 1.1 against
 * soap11-dsml-envelope.xsd, SOAP 1.2 against its twin, a Fault for
 * well-formedness). Run by scripts/conformance.mjs, which sets
 * DIRGATE_OASIS_DIR; set DIRGATE_CONFORMANCE_OUT to keep the documents.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkTools, oasisDir, validateFiles } from '../../../scripts/conformance.mjs';
import type { ScenarioEnv } from '../../integration/dsml/scenarios/env.js';
import type { DsmlSystem, HttpAnswer } from '../../integration/dsml/system.js';

export class AnswerRecorder {
  readonly schemaDir = oasisDir();
  private dir = '';
  private readonly files: string[] = [];
  private serial = 0;

  constructor(private readonly label: string) {}

  /** Checks the tools and makes the folder; call in `before`. */
  open(): void {
    assert.deepEqual(checkTools(this.schemaDir), [], 'run through scripts/conformance.mjs with xmllint installed and the OASIS schema folder');
    const keep = process.env.DIRGATE_CONFORMANCE_OUT;
    this.dir = keep ? path.resolve(keep, 'http') : mkdtempSync(path.join(os.tmpdir(), 'dirgate-dsml-http-'));
    mkdirSync(this.dir, { recursive: true });
  }

  close(): void {
    if (!process.env.DIRGATE_CONFORMANCE_OUT && this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Keeps an XML answer (401 challenges are plain text and are not DSML). */
  readonly record = (name: string, answer: HttpAnswer): void => {
    if (!/xml/.test(String(answer.headers['content-type']))) return;
    this.serial += 1;
    const file = path.join(this.dir, `${this.label}-${String(this.serial).padStart(3, '0')}-${name}.xml`);
    writeFileSync(file, answer.body);
    this.files.push(file);
  };

  /** The environment for the shared scenarios, recording into this recorder. */
  env(system: () => DsmlSystem | undefined): ScenarioEnv {
    return {
      system: () => {
        const s = system();
        if (!s) throw new Error('the system did not start');
        return s;
      },
      record: this.record,
    };
  }

  /** The last test of a suite: every answer kept so far is valid. */
  validationTest(expectedKinds: string[] = ['bare', 'soap11']): void {
    it('every answer above validates against the OASIS DSMLv2 schema (xmllint)', () => {
      assert.ok(this.files.length > 0, 'answers were recorded');
      const results = validateFiles(this.schemaDir, this.files);
      assert.equal(results.length, this.files.length);
      const failures = results.filter((r) => !r.ok).map((r) => `${path.basename(r.file)}:\n  ${r.errors.join('\n  ')}`);
      assert.deepEqual(failures, []);
      const kinds = new Set<string>(results.map((r) => r.kind));
      for (const kind of expectedKinds) assert.ok(kinds.has(kind), `${kind} answers were checked (${[...kinds].join(', ')})`);
    });
  }
}
