// What the experiment in the builder will cost: per (model, D) its parameters, runs, tokens and
// compute at most, the wall time from this adapter's calibration, and the adapter's refusals.
import type { ExperimentConfig } from '../../experiment/schema';
import type { ExperimentEstimate } from '../../experiment/estimate';
import type { ValidationIssue } from '../../experiment/validate';
import { hostsNeedingConfirmation } from '../../experiment/data-source';
import { fmtFlops, fmtSeconds } from '../format';
import { formatCount } from '../../util/format';

/** One line: runs, tokens, compute and wall time at most (shown beside Start as well). */
export function estimateLine(estimate: ExperimentEstimate): string {
  const wall = estimate.maxWallSeconds === null ? '' : `, at most ${fmtSeconds(estimate.maxWallSeconds)} on this adapter`;
  return `${estimate.runs} runs, at most ${formatCount(estimate.maxTokens)} tokens and ${fmtFlops(estimate.maxFlops)}${wall}`;
}

export function EstimateView({ estimate, issues, warnings, config }: { estimate: ExperimentEstimate | null; issues: ValidationIssue[]; warnings: string[]; config: ExperimentConfig }) {
  const hosts = hostsNeedingConfirmation(config.data);
  return (
    <div className="estimate" data-testid="estimate" aria-live="polite">
      {issues.length > 0 ? (
        <p className="estimate-invalid" data-testid="config-invalid">
          Fix {issues.length} problem{issues.length === 1 ? '' : 's'} above to see the estimate.
        </p>
      ) : estimate ? (
        <>
          <div className="table-scroll">
            <table className="estimate-table">
              <thead>
                <tr>
                  <th scope="col">model</th>
                  <th scope="col">D (tokens)</th>
                  <th scope="col">non-embedding params</th>
                  <th scope="col">all params</th>
                  <th scope="col">runs</th>
                  <th scope="col">tokens (at most)</th>
                  <th scope="col">compute (at most)</th>
                </tr>
              </thead>
              <tbody>
                {estimate.measurements.map((m, i) => (
                  <tr key={i}>
                    <td>{m.model}</td>
                    <td>{formatCount(m.dataSize)}</td>
                    <td>{formatCount(m.nonEmbeddingParams)}</td>
                    <td>{formatCount(m.totalParams)}</td>
                    <td>{m.runs}</td>
                    <td>{formatCount(m.maxTokens)}</td>
                    <td>{fmtFlops(m.maxFlops)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>{estimateLine(estimate)}. Runs that stop at the target cost less.</p>
          {estimate.adapterErrors.map((e, i) => (
            <p key={i} className="estimate-refused" role="alert">
              {e}
            </p>
          ))}
        </>
      ) : null}
      {warnings.map((w, i) => (
        <p key={i} className="warn">
          {w}
        </p>
      ))}
      {hosts.length > 0 && (
        <p className="warn" data-testid="remote-hosts">
          This experiment reads data from {hosts.join(', ')}: you will be asked before anything is fetched.
        </p>
      )}
    </div>
  );
}
