/** A task already written as wire JSON, as the submission sends it (one object per task: its own payload). */
import { SerializedTask } from "../../batch/adapter.js";
import type { SubmittableTask } from "../taskSubmission.js";

export class WireTask extends SerializedTask implements SubmittableTask {
  constructor(
    id: string,
    json: string,
    readonly contentHash: string,
  ) {
    super(id, json);
  }

  get payload(): SerializedTask {
    return this;
  }
}
