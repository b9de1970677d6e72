# pragma version ~=0.4.3
# snekmate 0.1.2's Ownable2Step: the deployer owns the contract; a handover is proposed by the
# owner and completed by the proposed owner.
from snekmate.auth import ownable
from snekmate.auth import ownable_2step

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    ownable_2step.renounce_ownership,
)


@deploy
def __init__():
    ownable.__init__()
    ownable_2step.__init__()
