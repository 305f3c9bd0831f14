// List pages shared between the requests of one process (with HOT_PATH_IN_PROCESS): a request
// for a page that one database read started less than `shareMs` ago gets that read's answer
// (in flight or done) instead of sending its own. A change this process makes to a user's
// orders drops that user's pages before it is answered, so a request sent after this process's
// 201 or 200 never gets a page read before the change; a change made through another instance
// can be missing for at most `shareMs` (docs/security.md, "The in-process hot path").

export interface SharedPages<T> {
  /** `load()`'s answer for `userId`'s page `key`, shared as above. */
  read(userId: string, key: string, load: () => Promise<T>): Promise<T>;
  /** `userId`'s orders changed: no page read before this is given out again. */
  changed(userId: string): void;
}

interface Shared<T> {
  userId: string;
  startedAt: number;
  answer: Promise<T>;
}

export function createSharedPages<T>(
  { shareMs, maxPages, now = () => performance.now() }: {
    shareMs: number;
    /** At most this many pages held at once (the oldest goes first). */
    maxPages: number;
    now?: () => number;
  },
): SharedPages<T> {
  // Insertion order is start order (a page is deleted before it is set again), so the pages
  // too old to share are always at the front.
  const pages = new Map<string, Shared<T>>();
  const dropOld = (at: number) => {
    for (const [id, page] of pages) {
      if (at - page.startedAt <= shareMs && pages.size < maxPages) return;
      pages.delete(id);
    }
  };
  return {
    read(userId, key, load) {
      const id = `${userId} ${key}`;
      const at = now();
      const shared = pages.get(id);
      // A read that failed (the database, or its request cut off at its deadline, which
      // abandons the request's queries) fails only the request that started it: the others
      // read for themselves, as they would have without sharing.
      if (shared && at - shared.startedAt <= shareMs) return shared.answer.catch(load);
      pages.delete(id);
      dropOld(at);
      const page: Shared<T> = { userId, startedAt: at, answer: load() };
      pages.set(id, page);
      // Nor is it shared after: the next request tries again.
      page.answer.catch(() => {
        if (pages.get(id) === page) pages.delete(id);
      });
      return page.answer;
    },
    changed(userId) {
      dropOld(now());
      for (const [id, page] of pages) if (page.userId === userId) pages.delete(id);
    },
  };
}
