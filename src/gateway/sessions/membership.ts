/**
 * Group membership for the access rules (`who: group:<dn>`), read through the
 * virtual directory as the gateway's service identity: the group entry must
 * name the user in `member` or `uniqueMember`. Answers are kept a few seconds,
 * because a search through the authorized directory asks once per entry.
 */
import { LRUCache } from 'lru-cache';
import type { Directory, Filter } from '../../directory/model.js';
import type { MembershipLookup } from '../access.js';

export function viewMembership(view: Directory, ttlMs = 5000): MembershipLookup {
  const known = new LRUCache<string, Promise<boolean>>({ max: 10_000, ttl: ttlMs });
  async function lookup(groupDn: string, userDn: string): Promise<boolean> {
    const filter: Filter = {
      type: 'or',
      filters: [
        { type: 'equality', attribute: 'member', value: userDn },
        { type: 'equality', attribute: 'uniqueMember', value: userDn },
      ],
    };
    try {
      for await (const ev of view.search({
        baseDN: groupDn, scope: 'base', derefAliases: 'never', sizeLimit: 1, timeLimit: 0, typesOnly: true, filter, attributes: ['1.1'], controls: [],
      }, { requestId: 'membership', principal: { service: true } })) {
        if (ev.kind === 'entry') return true;
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_NO_SUCH_OBJECT') return false;
      throw err;
    }
    return false;
  }
  return (groupDn, userDn) => {
    const key = `${groupDn.toLowerCase()}\0${userDn.toLowerCase()}`;
    let answer = known.get(key);
    if (!answer) {
      answer = lookup(groupDn, userDn);
      known.set(key, answer);
      answer.catch(() => known.delete(key));
    }
    return answer;
  };
}
