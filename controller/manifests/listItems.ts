/**
 * kubectl's `kind: List` (apiVersion v1, what `kubectl get -o yaml` writes): each item is a resource of its
 * own. The loader and the in-place editor (suspend, resume) find a resource at the same place through this.
 */
import { isSeq, type Document } from "yaml";

/** A place in a document's tree: [] for the document itself, ["items", i] for a List's item. */
export type TreePlace = readonly (string | number)[];

export function isListTree(doc: Document): boolean {
  return doc.get("kind") === "List" && doc.get("apiVersion") === "v1";
}

/** Where resources sit in `doc`: the document itself, or each item of a List. */
export function resourcePlaces(doc: Document): TreePlace[] {
  const items = isListTree(doc) ? doc.get("items") : undefined;
  return isSeq(items) ? items.items.map((_, index) => ["items", index]) : [[]];
}

/** A place as problems name field paths: "" or "items[2]". */
export function placePath(place: TreePlace): string {
  return place.length === 0 ? "" : `items[${String(place[1])}]`;
}
